"""Driving a real `tiexin run` process from tests: start, poll, ask, stop."""

from __future__ import annotations

import hashlib
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

STARTUP_LIMIT = 60.0  # seconds a process may take to come up (a bound, not a timer under test)
# A login for a real process: append USERS_TOML to its config, send OPS_TOKEN (Bearer).
OPS_TOKEN = "ops-test-token"
USERS_TOML = (
    '\n[[users]]\nname = "ops"\nrole = "admin"\n'
    # argon2id of "ops-password" with cheap parameters (tests only)
    'password_hash = "$argon2id$v=19$m=8,t=1,p=1$yY6QQV/2B9yX+WXpe8lJow$'
    'ZpPfljI6M3gWAkzo1Udvc7rcwq9IwEFgug9lFvskFzo"\n'
    f'token_hash = "{hashlib.sha256(OPS_TOKEN.encode()).hexdigest()}"\n'
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def get_json(port: int, path: str, token: str | None = None) -> Any:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=_headers(token))
    with urllib.request.urlopen(request, timeout=5) as resp:
        return json.loads(resp.read())


def wait_for(check: Callable[[], bool], what: str, process: subprocess.Popen[str]) -> None:
    """Poll a real process until `check` holds; fail with its output if it never does."""
    limit = time.monotonic() + STARTUP_LIMIT
    while time.monotonic() < limit:
        if process.poll() is not None:
            output = process.stderr.read() if process.stderr else ""
            raise AssertionError(f"tiexin exited early ({process.returncode}): {output}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    process.kill()
    raise AssertionError(f"gave up waiting for {what}")


def health_of(port: int, token: str | None = OPS_TOKEN) -> tuple[int, Any]:
    """Return the status and JSON body of /api/health, 503 included (the details need the
    token of a user in the process's config: USERS_TOML)."""
    asking = urllib.request.Request(f"http://127.0.0.1:{port}/api/health", headers=_headers(token))
    try:
        with urllib.request.urlopen(asking, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        assert exc.headers.get_content_type() == "application/json"
        return exc.code, json.loads(exc.read())


def start_tiexin(
    config: Path,
    log_level: str = "WARNING",
    env: Mapping[str, str] | None = None,
    extra: tuple[str, ...] = (),
) -> subprocess.Popen[str]:
    """`tiexin run` on `config`, with `extra` flags (`--role web`...)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "responder.cli",
            "run",
            "--config",
            str(config),
            "--log-level",
            log_level,
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=None if env is None else dict(env),
    )


def stop_tiexin(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    return err


def post_json(port: int, path: str, body: Any, token: str | None = None) -> tuple[int, Any]:
    """POST JSON; return the status and JSON answer, errors included."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **_headers(token)},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
