"""`tiexin run` as a real process: serve, stop on SIGTERM, start again without loss."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from responder.store.embedded import PID_FILE, EmbeddedRedis
from responder.store.keys import PIPELINE_GROUP, Keys
from tests.fakes import mention
from tests.running import (
    OPS_TOKEN,
    USERS_TOML,
    free_port,
    get_json,
    health_of,
    start_tiexin,
    stop_tiexin,
    wait_for,
)

STOP_LIMIT = 10.0  # seconds: a bound on a stop, which once waited for a held batch for ever


def test_run_stop_and_start_again(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    now = datetime.now(UTC)  # the process runs on the real clock: fresh mentions
    feed.write_text(
        "".join(mention(str(i), thread_id=None, created_at=now).to_json() + "\n" for i in range(6)),
        "utf-8",
    )
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[server]\nport = {port}\n[redis]\ndata_dir = "data"\n'
        '[connectors.feed]\ntype = "replay"\npath = "feed.jsonl"\n'
        'poll_interval = "100ms"\nbatch_size = 2\n' + USERS_TOML,
        "utf-8",
    )
    first = start_tiexin(config)
    wait_for(
        lambda: get_json(port, "/api/queue", OPS_TOKEN)["total"] == 6, "6 queued mentions", first
    )
    queue = get_json(port, "/api/queue", OPS_TOKEN)
    stop_tiexin(first)
    assert not EmbeddedRedis(tmp_path / "data").answers()  # the embedded Redis stopped too

    second = start_tiexin(config)
    wait_for(
        lambda: get_json(port, "/api/health", OPS_TOKEN)["connectors"]["feed"].get("state") == "ok",
        "a poll",
        second,
    )
    again = get_json(port, "/api/queue", OPS_TOKEN)
    assert [(i["id"], i["deadline"]) for i in again["items"]] == [
        (i["id"], i["deadline"]) for i in queue["items"]
    ]
    assert (
        get_json(port, "/api/health", OPS_TOKEN)["stats"].get("duplicates", 0) == 0
    )  # the cursor survived
    stop_tiexin(second)


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
        f'[server]\nport = {free_port()}\n[redis]\nurl = "redis://:s3cret@127.0.0.1:{free_port()}/0"\n',
    )
    assert result.returncode == 1
    assert "tiexin: cannot use the Redis from [redis] url: Error 111 connecting" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_port_taken_exits_1_and_starts_nothing(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = _run_with(
            tmp_path,
            f'[server]\nport = {port}\n[redis]\ndata_dir = "data"\n'
            '[connectors.demo]\ntype = "replay"\npoll_interval = "100ms"\n',
        )
    assert result.returncode == 1
    assert time.monotonic() - started < 10  # no Redis, scoring pool or poll was started
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"tiexin: cannot serve on 127.0.0.1:{port}:")
    assert not (tmp_path / "data").exists()  # no lock, no AOF, nothing queued


def test_port_out_of_range_exits_2_before_anything(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[redis]\ndata_dir = "data"\n', "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "responder.cli", "run", "--config", str(config), "--port", "99999"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "server.port: must be an integer > 0 and <= 65535, got 99999" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()


def _serving(
    tmp_path: Path, feed_size: int, log_level: str = "WARNING"
) -> tuple[subprocess.Popen[str], int]:
    """Start `tiexin run` on a feed of `feed_size` mentions; return once all are queued."""
    feed = tmp_path / "feed.jsonl"
    now = datetime.now(UTC)  # fresh mentions: no SLA stage fires during the test
    feed.write_text(
        "".join(mention(str(i), created_at=now).to_json() + "\n" for i in range(feed_size)),
        "utf-8",
    )
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[server]\nport = {port}\n[redis]\ndata_dir = "data"\n'
        '[connectors.feed]\ntype = "replay"\npath = "feed.jsonl"\n'
        'poll_interval = "100ms"\nbatch_size = 5\n' + USERS_TOML,
        "utf-8",
    )
    process = start_tiexin(config, log_level)

    def ready() -> bool:
        status, body = health_of(port)
        return status == 200 and body.get("queued") == feed_size

    wait_for(ready, f"{feed_size} queued and health 200", process)
    return process, port


def test_sigterm_stops_within_a_second_while_idle(tmp_path: Path) -> None:
    process, _ = _serving(tmp_path, 2)
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert time.monotonic() - started < 1.0, err
    assert process.returncode == 0, err
    assert not EmbeddedRedis(tmp_path / "data").answers()


def test_killed_embedded_redis_is_healed_without_loss(tmp_path: Path) -> None:
    process, port = _serving(tmp_path, 20, log_level="INFO")
    before = get_json(port, "/api/queue?limit=100", OPS_TOKEN)["items"]
    assert process.stderr is not None
    redis_pid = int((tmp_path / "data" / PID_FILE).read_text())
    os.kill(redis_pid, signal.SIGKILL)
    killed = time.monotonic()

    wait_for(lambda: health_of(port)[0] == 503, "health 503", process)
    assert time.monotonic() - killed < 2
    status, body = health_of(port)
    assert status == 503 and "redis" in body["failing"]

    def healed() -> bool:
        # Routes that touch Redis and routes that never do, interleaved: only Redis's own
        # answers may end the outage.
        for path in ("/api/queue", "/login", "/api/no-such-route"):
            _status(port, path)
        return health_of(port)[0] == 200

    wait_for(healed, "health 200 again", process)
    assert time.monotonic() - killed < 10
    after = get_json(port, "/api/queue?limit=100", OPS_TOKEN)["items"]
    assert [(i["id"], i["deadline"]) for i in after] == [(i["id"], i["deadline"]) for i in before]
    assert int((tmp_path / "data" / PID_FILE).read_text()) != redis_pid
    err = stop_tiexin(process)
    assert "Traceback" not in err  # Redis away is expected: one line per part, no trace
    # Without the access log and the scheduler's "job skipped" (a loaded machine).
    logged = [x for x in err.splitlines() if "aiohttp.access" not in x and "apscheduler" not in x]
    outage = logged[logged.index(next(x for x in logged if "Tiexin on http" in x)) + 1 :]
    # The outage once when it begins and once when it ends, and the restart between.
    assert [x for x in outage if " ERROR " in x] == [
        x for x in outage if "Redis is unavailable" in x
    ], err
    assert len([x for x in outage if "Redis is unavailable" in x]) == 1, err
    [back] = [x for x in outage if "Redis is available again after" in x]
    [restarted] = [x for x in outage if "embedded Redis restarted" in x]
    # Both lengths run from the first call that failed, not from when the watchdog looked.
    assert float(back.rsplit("after ", 1)[1].rstrip("s")) > 0, err
    assert float(restarted.rsplit("down ", 1)[1].rstrip("s)")) > 0, err
    # Down and back: Redis (3 lines) and the poller; no line per task or per request.
    assert len(outage) <= 6, err


def _status(port: int, path: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {OPS_TOKEN}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_redis_that_cannot_be_restarted_makes_tiexin_exit_1(tmp_path: Path) -> None:
    process, _ = _serving(tmp_path, 2)
    data = tmp_path / "data"
    # A corrupt AOF: redis-server refuses to load it, so every restart fails.
    for aof in [data / "appendonly.aof", *data.glob("appendonly*.aof*")]:
        if aof.is_file():
            aof.write_bytes(b"not an append-only file\n")
    os.kill(int((data / PID_FILE).read_text()), signal.SIGKILL)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("tiexin: the embedded Redis in") and "could not be restarted" in last
    assert "Traceback" not in err


def test_a_killed_tiexin_leaves_no_leaked_semaphore_warning(tmp_path: Path) -> None:
    process, _ = _serving(tmp_path, 2)  # health 200: every scoring worker is up
    process.kill()  # SIGKILL: nothing of ours runs; the resource tracker sees us gone
    # Our stderr is shared with the scoring workers, the resource tracker and redis-server:
    # it ends once they are all gone, after whatever the tracker had to say.
    _, err = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert "resource_tracker" not in err and "leaked semaphore" not in err, err


def test_sigterm_while_scoring_holds_a_batch_exits_at_once_and_loses_nothing(
    tmp_path: Path,
) -> None:
    process, port = _serving(tmp_path, 2)
    workers = [pid for pid, cmd in _children(process.pid).items() if "spawn_main" in cmd]
    assert workers
    for pid in workers:  # the scoring workers hold the next batch and never finish it
        os.kill(pid, signal.SIGSTOP)
    try:
        now = datetime.now(UTC)
        with (tmp_path / "feed.jsonl").open("a", encoding="utf-8") as feed:
            feed.writelines(mention(f"n{i}", created_at=now).to_json() + "\n" for i in range(20))
        client = redis.Redis(unix_socket_path=str(tmp_path / "data" / "redis.sock"))
        ingest = Keys("tiexin").ingest
        wait_for(
            lambda: int(client.xpending(ingest, PIPELINE_GROUP)["pending"]) > 0,
            "the pipeline waiting on scoring",
            process,
        )
        client.close()
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=STOP_LIMIT)  # before: waited on the batch for ever
        assert time.monotonic() - started < STOP_LIMIT and process.returncode == 0, err
    finally:
        process.kill()
        process.communicate()
    again = start_tiexin(tmp_path / "config.toml")
    try:  # what was read and not acknowledged is read again: all 22 queued, once each
        wait_for(lambda: health_of(port)[1].get("queued") == 22, "22 queued", again)
        assert health_of(port)[1]["stats"].get("duplicates", 0) == 0
    finally:
        stop_tiexin(again)


def _children(parent: int) -> dict[int, str]:
    """Return the command lines of `parent`'s children, by pid."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == parent:
                found[int(entry.name)] = cmdline
    return found


# Real processes: one such module at a time (pyproject.toml, [tool.pytest], says why).
pytestmark = pytest.mark.xdist_group("processes")
