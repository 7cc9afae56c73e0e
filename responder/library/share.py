"""The pipeline's side of the library: now and then it admits the candidates that have
settled, reads the library's version, and when the version moved writes a snapshot file
for its scoring workers (they run on this host: the file needs no sharing) and hands them
its `Ref` with each batch."""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
import tempfile
import weakref
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from responder.library.config import LibraryConfig
from responder.library.shelf import Ref, write_snapshot
from responder.library.store import Complaint, Library
from responder.store.enqueue import Ready
from sentiment import Label

log = logging.getLogger(__name__)
LOOK_EVERY = 5.0  # seconds between looks at the library's version (and settling)


class Sharing:
    """One pipeline's view of the library: what its workers should use now."""

    def __init__(self, library: Library, config: LibraryConfig) -> None:
        self.library, self.config = library, config
        self._ref: Ref | None = None
        self._version: int | None = None  # the version `_ref` was made from
        self._looked: float | None = None
        self._folder: Path | None = None

    async def ref(self, monotonic: float, now: datetime) -> Ref | None:
        """The snapshot the next batch drafts with (None: the library is off or empty)."""
        if not self.config.enabled:
            return None
        if self._looked is not None and monotonic - self._looked < LOOK_EVERY:
            return self._ref
        self._looked = monotonic
        await self.library.settle(now, self.config.keep)
        version = await self.library.version()
        if self._version == version:
            return self._ref
        _, rows = await self.library.snapshot()
        self._version = version
        if not rows:
            self._ref = None
            return None
        # A new name for each snapshot: a worker tells them apart by path, even when a
        # flushed Redis counts the versions again.
        path = self._folder_now() / f"library-{version}-{secrets.token_hex(4)}.json"
        try:
            await asyncio.to_thread(write_snapshot, path, rows)
        except OSError as exc:  # the workers keep the shelf they have
            log.error("library_snapshot_failed version=%d: %s", version, exc)
            self._version = None
            return self._ref
        old, self._ref = self._ref, Ref(version, str(path), self.config.min_match)
        if old is not None and old.path != str(path):
            # A worker that misses the old file drafts without the library until the new one.
            await asyncio.to_thread(Path(old.path).unlink, missing_ok=True)
        log.info("library_snapshot version=%d entries=%d", version, len(rows))
        return self._ref

    async def followed_up(self, ready: Sequence[Ready]) -> int:
        """A negative mention from someone we answered lately fails that reply as a
        candidate (it did not work); return how many failed."""
        found = []
        for item in ready:
            if item.suggestion.sentiment.label is not Label.NEGATIVE:
                continue
            m = item.mention
            watch = self.library.watch(m.platform, m.account, m.thread_id or "", m.author.id)
            found.append(Complaint(watch=watch, mention=item.id, at=m.created_at.timestamp()))
        return await self.complaints(found)

    async def complaints(self, found: list[Complaint]) -> int:
        """Fail the candidates these negative mentions follow up on."""
        return await self.library.complaints(found) if self.config.enabled else 0

    def _folder_now(self) -> Path:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="tiexin-library-"))
            weakref.finalize(self, shutil.rmtree, str(self._folder), True)
        return self._folder
