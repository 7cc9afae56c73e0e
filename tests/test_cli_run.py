"""`tiexin run` as a real process: serve, stop on SIGTERM, start again without loss."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from responder.store.embedded import EmbeddedRedis
from tests.fakes import mention

STARTUP_LIMIT = 60.0  # seconds a process may take to come up (a bound, not a timer under test)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
        return json.loads(resp.read())


def _wait_for(check: Callable[[], bool], what: str, process: subprocess.Popen[str]) -> None:
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


def _start(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "responder.cli",
            "run",
            "--config",
            str(config),
            "--log-level",
            "WARNING",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    return err


def test_run_stop_and_start_again(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        "".join(mention(str(i), thread_id=None).to_json() + "\n" for i in range(6)), "utf-8"
    )
    port = _free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[server]\nport = {port}\n[redis]\ndata_dir = "data"\n'
        '[connectors.feed]\ntype = "replay"\npath = "feed.jsonl"\n'
        'poll_interval = "100ms"\nbatch_size = 2\n',
        "utf-8",
    )
    first = _start(config)
    _wait_for(lambda: _get(port, "/api/queue")["total"] == 6, "6 queued mentions", first)
    queue = _get(port, "/api/queue")
    _stop(first)
    assert not EmbeddedRedis(tmp_path / "data").answers()  # the embedded Redis stopped too

    second = _start(config)
    _wait_for(
        lambda: _get(port, "/api/health")["connectors"]["feed"].get("state") == "ok",
        "a poll",
        second,
    )
    again = _get(port, "/api/queue")
    assert [(i["id"], i["deadline"]) for i in again["items"]] == [
        (i["id"], i["deadline"]) for i in queue["items"]
    ]
    assert _get(port, "/api/health")["stats"].get("duplicates", 0) == 0  # the cursor survived
    _stop(second)


def _run_with(tmp_path: Path, config_text: str) -> subprocess.CompletedProcess[str]:
    """Run `tiexin run` on a config that must make it exit at once."""
    config = tmp_path / "config.toml"
    config.write_text(config_text, "utf-8")
    return subprocess.run(
        [sys.executable, "-m", "responder.cli", "run", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_refuses_an_invalid_config(tmp_path: Path) -> None:
    result = _run_with(
        tmp_path,
        '[server]\nport = "eighty"\n[connectors.x]\ntype = "replay"\npoll_interval = "-5s"\n',
    )
    assert result.returncode == 2
    assert 'server.port: must be an integer > 0 and <= 65535, got "eighty"' in result.stderr
    assert "connectors.x.poll_interval: must be a duration > 0" in result.stderr


def test_unreachable_redis_is_a_clear_error_without_the_password(tmp_path: Path) -> None:
    result = _run_with(
        tmp_path,
        f'[server]\nport = {_free_port()}\n[redis]\nurl = "redis://:s3cret@127.0.0.1:{_free_port()}/0"\n',
    )
    assert result.returncode == 1
    assert "tiexin: cannot use the Redis from [redis] url: Error 111 connecting" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
