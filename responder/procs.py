"""Other processes: what the OS says about them, and children that cannot outlive us."""

from __future__ import annotations

import ctypes
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


@dataclass(frozen=True, slots=True, kw_only=True)
class Seen:
    """What the OS says about a process."""

    ppid: int
    zombie: bool
    cmdline: str


def inspect(pid: int) -> Seen | None:
    """Return what /proc (or `ps` where there is no /proc) says about `pid`; None if gone."""
    if pid <= 0:
        return None
    if os.path.isdir("/proc/self"):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        # State and ppid follow the command name, which may itself contain ") ".
        state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
        cmdline = raw.replace(b"\0", b" ").decode(errors="replace")
        return Seen(ppid=int(ppid), zombie=state in ("Z", "X"), cmdline=cmdline)
    found = subprocess.run(
        ["ps", "-o", "ppid=,stat=,command=", "-p", str(pid)], capture_output=True, text=True
    )
    if found.returncode != 0 or not found.stdout.strip():
        return None
    ppid, state, *rest = found.stdout.split(None, 2)
    cmdline = rest[0] if rest else ""
    return Seen(ppid=int(ppid), zombie=state.startswith("Z"), cmdline=cmdline)


def running(pid: int) -> bool:
    """Say whether `pid` is a running process (a zombie has already exited)."""
    seen = inspect(pid)
    return seen is not None and not seen.zombie


def parent_death_hook(parent: int, sig: int) -> Callable[[], None] | None:
    """Return a pre-exec hook that has the kernel send `sig` when `parent` dies (Linux only).

    The kernel sends the signal when the *thread* that forked the child exits, so callers
    fork from a thread that lasts as long as the process (`fork_from_lasting_thread`).
    """
    if not sys.platform.startswith("linux"):
        return None  # macOS: DataDir.lock finds and stops leftovers at the next start
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int

    def hook() -> None:
        prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl: no signal will come
            os._exit(1)

    return hook


T = TypeVar("T")
_forks: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
_forker_lock = threading.Lock()
_forker: threading.Thread | None = None


def fork_from_lasting_thread(start: Callable[[], T]) -> T:
    """Run `start` (which forks) on one daemon thread that lives as long as the process.

    A child's parent-death signal fires when the forking thread exits; callers run in
    short-lived threads (asyncio.to_thread, executors), which would stop the child early.
    """
    global _forker
    with _forker_lock:
        if _forker is None:
            _forker = threading.Thread(target=_fork_forever, name="forker", daemon=True)
            _forker.start()
    done: Future[T] = Future()
    _forks.put((start, done))
    return done.result()


def _fork_forever() -> None:
    while True:
        start, done = _forks.get()
        try:
            done.set_result(start())
        except BaseException as exc:  # handed to the caller, which re-raises it
            done.set_exception(exc)
