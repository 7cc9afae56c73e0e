"""The build is reproducible: the tools are pinned, the lock covers every dependency within
its bounds, this venv holds what the lock says, and CI runs the README's test command."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _requirements() -> dict[str, list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    groups = {"runtime": project["dependencies"], **project["optional-dependencies"]}
    return {
        group: [r for r in map(Requirement, lines) if canonicalize_name(r.name) != "tiexin"]
        for group, lines in groups.items()
    }


def _lock() -> dict[NormalizedName, str]:
    pins: dict[NormalizedName, str] = {}
    for line in (ROOT / "constraints.txt").read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not an exact pin"
            pins[canonicalize_name(name)] = version
    return pins


def test_the_dev_tools_are_pinned_exactly() -> None:
    loose = [str(r) for r in _requirements()["test"] if not str(r.specifier).startswith("==")]
    assert loose == []


def test_the_lock_pins_every_dependency_within_its_bounds() -> None:
    pins = _lock()
    for requirement in (r for group in _requirements().values() for r in group):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in constraints.txt: run `make lock`"
        assert requirement.specifier.contains(pins[name]), (requirement, pins[name])


def test_this_venv_holds_the_locked_versions() -> None:
    """What CI type-checks and tests against is exactly the lock (`make install`)."""
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    drifted = {
        name: (installed[name], pin)
        for name, pin in _lock().items()
        if name in installed and installed[name] != pin
    }
    assert drifted == {}, "installed, locked; reinstall with `make install`"


def test_ci_runs_the_readme_test_command_from_the_lock() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    found = re.search(r"Install and run the tests.*?```sh\n(.+?)\n```", readme, re.S)
    assert found is not None
    command = found.group(1)
    assert "pip install -c constraints.txt -e '.[test]'" in command
    assert command in (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
    assert "pip install -q -c constraints.txt -e '.[test]'" in (ROOT / "Makefile").read_text()
