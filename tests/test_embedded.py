"""The embedded Redis is owned for life: nothing outlives a killed Tiexin, nothing stale wins."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from responder.procs import inspect, running
from responder.store.embedded import (
    DataDir,
    EmbeddedRedis,
    EmbeddedRedisError,
    server_binary,
)

# Real processes: one such module at a time (pyproject.toml, [tool.pytest], says why).
pytestmark = [
    pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads process trees in /proc"),
    pytest.mark.xdist_group("processes"),
]

BOUND = 15.0  # seconds processes get to go away (a bound on real processes, not a timer)

# A stand-in for `tiexin run`: starts an EmbeddedRedis (and with "pool" a ScoringPool),
# writes a key, prints the server's pid, and waits to be killed. With "orphan" it starts
# the server without the parent-death signal, as on a platform without prctl.
OWNER = """
import sys
from pathlib import Path
import redis
from responder.store import embedded
if "orphan" in sys.argv:
    embedded.parent_death_hook = lambda parent, sig: None
server = embedded.EmbeddedRedis(Path(sys.argv[1]))
server.start()
redis.Redis(unix_socket_path=str(server.socket)).set("kept", "by the first owner")
if "pool" in sys.argv:
    from responder.pipeline.scoring import ScoringPool
    ScoringPool(2).start()
print(server.pid, flush=True)
sys.stdin.read()
"""


@pytest.fixture
def owner(data_dir: Path) -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        with process:  # closes its pipes
            process.kill()
    if started:  # stop a leftover server even when the test failed before doing so
        lock = DataDir(data_dir)
        lock.lock()
        lock.unlock()


def _start_owner(data_dir: Path, started: list[subprocess.Popen[str]], *flags: str) -> int:
    """Start a Tiexin stand-in; return its redis-server's pid once it answers."""
    process = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(data_dir), *flags],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    started.append(process)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.strip().isdigit(), f"owner exited with {process.wait()}"
    return int(line)


def _kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=BOUND) == -signal.SIGKILL


def _descendants(root: int) -> dict[int, str]:
    """Return pid -> command line of every running process below `root`."""
    seen = {int(p.name): inspect(int(p.name)) for p in Path("/proc").iterdir() if p.name.isdigit()}
    tree, grew = {root}, True
    while grew:
        below = {pid for pid, s in seen.items() if s and s.ppid in tree and pid not in tree}
        tree |= below
        grew = bool(below)
    return {pid: s.cmdline for pid, s in seen.items() if s and pid in tree - {root}}


def _left_running(pids: list[int]) -> list[int]:
    """Wait (bounded) until none of `pids` runs; return those still running."""
    limit = time.monotonic() + BOUND
    while (left := [pid for pid in pids if running(pid)]) and time.monotonic() < limit:
        time.sleep(0.02)  # polling real processes
    return left


def _dies(server: EmbeddedRedis) -> bool:
    """Wait (bounded) until our redis-server child has exited and been reaped."""
    limit = time.monotonic() + BOUND
    while server.alive() and time.monotonic() < limit:
        time.sleep(0.02)  # polling a real process
    return not server.alive()


def _get(server: EmbeddedRedis, key: str) -> str | None:
    client = redis.Redis(unix_socket_path=str(server.socket), decode_responses=True)
    try:
        value = client.get(key)
        assert value is None or isinstance(value, str)
        return value
    finally:
        client.close()


def test_killed_owner_leaves_no_process_behind(
    data_dir: Path, owner: list[subprocess.Popen[str]]
) -> None:
    server = _start_owner(data_dir, owner, "pool")
    children = _descendants(owner[0].pid)
    assert str(data_dir / "redis.sock") in children[server]
    assert sum("multiprocessing.spawn" in c for c in children.values()) == 2  # the workers
    assert sum("resource_tracker" in c for c in children.values()) == 1

    _kill(owner[0])

    assert _left_running(list(children)) == []
    lock = DataDir(data_dir)
    lock.lock(timeout=1)  # free at once: nothing of the dead owner holds it
    lock.unlock()


def test_live_owner_refuses_a_second_lock_with_a_clear_message(
    data_dir: Path, owner: list[subprocess.Popen[str]]
) -> None:
    _start_owner(data_dir, owner)
    message = (
        f"{data_dir.resolve()} is in use by another Tiexin process (pid {owner[0].pid});"
        " stop it or choose another [redis] data_dir"
    )
    with pytest.raises(EmbeddedRedisError, match=f"^{re.escape(message)}$"):
        DataDir(data_dir).lock()
    assert EmbeddedRedis(data_dir).answers()  # the refused lock left the live server alone


def test_leftover_server_of_a_dead_owner_is_stopped_at_next_lock_and_data_kept(
    data_dir: Path, owner: list[subprocess.Popen[str]]
) -> None:
    leftover = _start_owner(data_dir, owner, "orphan")
    _kill(owner[0])
    assert running(leftover)  # no parent-death signal: it outlived its owner

    lock = DataDir(data_dir)
    lock.lock()
    assert not running(leftover)
    server = EmbeddedRedis(lock)
    server.start()
    try:
        assert _get(server, "kept") == "by the first owner"  # flushed on SIGTERM, reloaded
    finally:
        server.stop()
    assert lock.locked  # stop() releases only a lock it took itself
    with pytest.raises(EmbeddedRedisError, match="in use by another Tiexin process"):
        DataDir(data_dir).lock()
    lock.unlock()


def test_stale_server_of_a_dead_owner_never_removes_the_live_socket(
    data_dir: Path, owner: list[subprocess.Popen[str]]
) -> None:
    stale = _start_owner(data_dir, owner, "orphan")
    _kill(owner[0])

    server = EmbeddedRedis(data_dir)
    server.start()  # stops the stale server before binding the socket
    try:
        assert not running(stale)
        with contextlib.suppress(ProcessLookupError):
            os.kill(stale, signal.SIGTERM)  # the step; it has exited already
        assert server.socket.exists() and server.answers()
    finally:
        server.stop()


def test_server_started_without_the_lock_is_stopped_before_ours_binds(data_dir: Path) -> None:
    data_dir.mkdir()
    socket = data_dir.resolve() / "redis.sock"
    # As an older Tiexin left it: a server on our socket that holds no lock, and its pid file.
    stale = subprocess.Popen(
        [server_binary(), "--port", "0", "--unixsocket", str(socket), "--dir", str(data_dir)],
        stdout=subprocess.DEVNULL,
    )
    try:
        (data_dir / "redis.pid").write_text(f"{stale.pid}\n")
        while not EmbeddedRedis(data_dir).answers():
            assert stale.poll() is None
        server = EmbeddedRedis(data_dir)
        server.start()
        try:
            assert stale.wait(timeout=BOUND) == 0  # stopped politely, before ours started
            assert socket.exists() and server.answers() and server.pid != stale.pid
        finally:
            server.stop()
    finally:
        stale.kill()
        stale.wait()


def test_restart_after_redis_is_killed_brings_the_data_back_from_the_aof(
    data_dir: Path,
) -> None:
    server = EmbeddedRedis(data_dir)
    server.start()
    try:
        client = redis.Redis(unix_socket_path=str(server.socket))
        client.set("queued", "1")
        client.close()
        first = server.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        assert _dies(server)

        server.restart()

        assert server.alive() and server.pid != first
        assert _get(server, "queued") == "1"
        with pytest.raises(EmbeddedRedisError, match="in use by another Tiexin process"):
            DataDir(data_dir).lock()  # the lock was kept across the restart
    finally:
        server.stop()


def test_restart_that_cannot_load_the_aof_says_why_in_one_line(data_dir: Path) -> None:
    server = EmbeddedRedis(data_dir)
    server.start()
    try:
        first = server.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        assert _dies(server)
        with (data_dir / "appendonly.aof").open("ab") as aof:
            aof.write(b"not a command\r\n")

        with pytest.raises(EmbeddedRedisError) as raised:
            server.restart()

        assert "\n" not in str(raised.value)
        assert str(raised.value).startswith("redis-server exited with status 1 (")
        assert "append only file" in str(raised.value)
    finally:
        server.stop()
