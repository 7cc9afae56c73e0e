"""Every process follows the config stored in Redis: it listens on the channel, and on
start and after each reconnect compares versions, so a missed message is caught up. A
version it cannot take (invalid here, or templates that fail to render) leaves the running
config as it is, and says why in the log and the admin view."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path
from typing import Any

from aiohttp import web

from responder.config import Config, ConfigError
from responder.reload import published
from responder.reload.parts import APPLIERS, drafts_stamp
from responder.reload.publish import audit, diff_texts
from responder.reload.validate import check_drafts, check_text, settle
from responder.services import CLOCK, LIVE_CONFIG, STORE

log = logging.getLogger(__name__)
LISTEN = 1.0  # seconds a step waits for a message (a blocking read, not a timer)


def config_file(config: Config) -> Path | None:
    """The file the process started from (None: the embedded defaults)."""
    path = Path(config.source)
    return path if path.is_file() else None


class Follower:
    """Keeps one process on the config version stored in Redis."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self._pubsub: Any = None

    @property
    def base_dir(self) -> Path:
        """Relative paths of a stored config resolve here, as in this process's file."""
        path = config_file(self.app[LIVE_CONFIG].current)
        return path.resolve().parent if path is not None else Path.cwd()

    async def step(self) -> float:
        """Subscribe (and catch up) if not yet, then wait briefly for a new version."""
        try:
            if self._pubsub is None:
                await self._subscribe()
            message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=LISTEN)
            if message is not None:
                await self.catch_up()
        except BaseException:
            await self.close()  # the next step subscribes again and catches up
            raise
        return 0.0

    async def _subscribe(self) -> None:
        store = self.app[STORE]
        pubsub = store.redis.pubsub()
        await pubsub.subscribe(store.keys.config_changed)
        self._pubsub = pubsub
        live = self.app[LIVE_CONFIG]
        if live.drafts_stamp is None:
            live.drafts_stamp = await asyncio.to_thread(drafts_stamp, live.current)
        if live.version == 0:
            await self.seed()
        await self.catch_up()

    async def close(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            await pubsub.aclose()

    async def seed(self) -> None:
        """At start: store this process's file if it differs from the stored config (the
        last start or reload wins, and says so in the audit log), else take the stored
        version as the one in effect. Differences in what is each process's own (MACHINE:
        its port, its data dir and Redis address) and in comments are not a change."""
        live, store, now = self.app[LIVE_CONFIG], self.app[STORE], self.app[CLOCK].now()
        path = config_file(live.current)
        if path is None:
            return
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
        before = await published.read(store.redis, store.keys)
        by = f"start:{socket.gethostname()}"
        if before is not None and _same_but_here(before.text, text):
            live.version, live.loaded_at, live.by = before.version, before.at, before.by
            return  # a file of this machine's own: its port and data dir are no change
        version, stored = await published.store(
            store.redis, store.keys, text, by=by, at=now, always=False
        )
        live.version, live.loaded_at, live.by = version, now, by
        if stored and before is not None:
            await audit(store, by, now, version, diff_texts(before.text, text))
        elif not stored and before is not None:
            live.loaded_at, live.by = before.at, before.by

    async def catch_up(self) -> None:
        """Apply the stored version if it is newer than the one in effect here."""
        store, live = self.app[STORE], self.app[LIVE_CONFIG]
        found = await published.read(store.redis, store.keys)
        if found is None or found.version <= live.version:
            return
        await self.apply(found)

    async def apply(self, found: published.Published) -> bool:
        """Validate the stored text again here and apply it part by part; False (and the
        old config kept) when it cannot be taken."""
        live = self.app[LIVE_CONFIG]
        old = live.current
        source = str(config_file(old) or "redis")
        try:
            new = check_text(found.text, base_dir=self.base_dir, source=source)
            await asyncio.to_thread(check_drafts, new)
        except ConfigError as exc:
            live.refused = f"版本 {found.version}：" + "；".join(exc.problems)
            log.error("config version %d refused, the running one stays: %s", found.version, exc)
            live.version = found.version  # not tried again; the next reload is
            return False
        new, notes = settle(old, new)
        for note in notes:
            log.warning("config version %d: %s", found.version, note)
        for name, applier in APPLIERS:
            try:
                await applier(self.app, old, new)
            except Exception:  # one part failing leaves the others applied; the log says
                log.exception("config version %d: applying %s failed", found.version, name)
        live.current, live.version, live.refused = new, found.version, ""
        live.loaded_at, live.by = found.at, found.by
        log.info("config version %d applied (by %s)", found.version, found.by)
        return True


MACHINE = ("server", "redis")  # sections a process keeps its own of; a restart applies them


def _same_but_here(stored: str, text: str) -> bool:
    """Whether `text` says what `stored` says but for each process's own sections."""
    changes = diff_texts(stored, text)
    return all(c["path"].split(".", 1)[0] in MACHINE for c in changes)
