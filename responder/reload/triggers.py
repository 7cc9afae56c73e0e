"""What starts a reload inside a running process: SIGHUP, and the optional file watch
(`[server] watch_config`, a cheap look at the file's mtime and size every few seconds)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from responder.config import ConfigError
from responder.reload.follower import config_file
from responder.reload.publish import reload_file
from responder.services import CLOCK, LIVE_CONFIG, STORE

log = logging.getLogger(__name__)
WATCH_EVERY = 2.0  # seconds between looks at the config file


async def reload_own_file(app: web.Application, by: str) -> bool:
    """Reload from the file this process started with; log every problem if invalid."""
    path = config_file(app[LIVE_CONFIG].current)
    if path is None:
        log.warning("reload asked, but this process runs on the embedded defaults (no file)")
        return False
    try:
        done = await reload_file(app[STORE], path, by=by, now=app[CLOCK].now())
    except ConfigError as exc:
        log.error("reload refused, the running config stays: %s", exc)
        return False
    for note in done.notes:
        log.warning("reload: %s", note)
    log.info("reload: %s stored as version %d", path, done.version)
    return True


def on_sighup(app: web.Application) -> None:
    """Reload on SIGHUP (where the platform has it)."""
    if not hasattr(signal, "SIGHUP"):
        return
    tasks: set[asyncio.Task[bool]] = set()
    by = f"SIGHUP:{socket.gethostname()}"

    def handle() -> None:
        task = asyncio.create_task(reload_own_file(app, by))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, handle)


def _mark(path: Path) -> tuple[int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size


def file_watch(app: web.Application, path: Path) -> Callable[[], Awaitable[float]]:
    """A supervised step: reload when the file's mtime or size changed since the last look."""
    seen = _mark(path)
    by = f"watch:{socket.gethostname()}"

    async def step() -> float:
        nonlocal seen
        mark = await asyncio.to_thread(_mark, path)
        if mark is not None and mark != seen:
            seen = mark
            await reload_own_file(app, by)
        return WATCH_EVERY

    return step
