"""The deployment files under deploy/ parse, and every command and flag they give
`tiexin` is a real one (read by our own parser), with roles that cover every role."""

from __future__ import annotations

import configparser
import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import yaml

from responder.cli import build_parser
from responder.roles import ALL, Role

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def _run_args(argv: list[str]) -> Any:
    """What `tiexin <argv>` would run (argparse exits on an unknown command or flag)."""
    parser, _ = build_parser()
    args = parser.parse_args(argv)
    assert args.command == "run"
    return args


def test_the_systemd_unit_runs_one_role_per_instance() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    unit.read_string((DEPLOY / "systemd" / "tiexin@.service").read_text("utf-8"))
    assert {"Unit", "Service", "Install"} <= set(unit.sections())
    command = shlex.split(unit["Service"]["ExecStart"])
    assert command[0] == "/opt/tiexin/.venv/bin/tiexin"
    for role in Role:  # systemctl start tiexin@<role>, with TIEXIN_PORT from <role>.env
        argv = [a.replace("%i", str(role)).replace("${TIEXIN_PORT}", "8081") for a in command]
        args = _run_args(argv[1:])
        assert args.role == {role}
        assert args.port == 8081
        assert str(args.data_dir) == f"/var/lib/tiexin/{role}"
    # systemctl reload: the SIGHUP `tiexin run` reads its config again on
    assert shlex.split(unit["Service"]["ExecReload"]) == ["/bin/kill", "-HUP", "$MAINPID"]


def test_the_compose_file_runs_redis_and_every_role() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text("utf-8"))
    services = compose["services"]
    assert "redis" in services
    covered: set[Role] = set()
    tiexins = {name: s for name, s in services.items() if name != "redis"}
    assert len(tiexins) == 3
    for service in tiexins.values():
        assert (DEPLOY.parent / service["build"]["context"].replace("..", ".")).is_dir()
        assert (DEPLOY / ".." / service["build"]["dockerfile"]).is_file()
        assert service["environment"]["TIEXIN_REDIS_URL"].startswith("redis://redis:")
        args = _run_args(service["command"])
        covered |= args.role
    assert covered == ALL


def test_the_dockerfile_runs_tiexin() -> None:
    text = (DEPLOY / "Dockerfile").read_text("utf-8")
    entry = re.search(r"^ENTRYPOINT (\[.*\])$", text, re.MULTILINE)
    cmd = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert entry is not None and cmd is not None
    assert json.loads(entry[1]) == ["tiexin"]
    pyproject = tomllib.loads((DEPLOY.parent / "pyproject.toml").read_text("utf-8"))
    assert "tiexin" in pyproject["project"]["scripts"]  # what `pip install .` puts on PATH
    assert _run_args(json.loads(cmd[1])).role == ALL
