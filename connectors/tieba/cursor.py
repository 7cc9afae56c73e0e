"""The Tieba cursor: per feed, the newest post id seen and a window of recent ones.

Tieba pages by page number only (no since-id), newest first, and pages overlap as new
items arrive. A fetch reads pages until one holds a post id it has seen; the window of
recent ids (not just the newest) keeps that working when the newest post is deleted.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)
FEEDS = ("reply", "at")  # get_replys, get_ats; replies first: they name the parent post
KEEP = 200  # recent ids kept per feed: several fetches' worth of pages (about 20 a page)
VERSION = 1


@dataclass(frozen=True, slots=True)
class Seen:
    """What one feed has read: the newest post id and the recent ids, newest first."""

    newest: int = 0
    recent: tuple[int, ...] = ()

    def knows(self, pid: int) -> bool:
        return pid in self.recent

    def behind(self, pid: int) -> bool:
        """Say whether `pid` is no newer than the newest seen: the pages past it are old."""
        return bool(self.newest) and pid <= self.newest

    def add(self, pids: Iterable[int]) -> Seen:
        """Return this window with `pids` (newest first) in front, duplicates dropped."""
        merged = list(dict.fromkeys([*pids, *self.recent]))[:KEEP]
        return Seen(newest=max([self.newest, *merged]), recent=tuple(merged))


def parse(cursor: str | None) -> dict[str, Seen]:
    """Read a cursor; a malformed one starts over (the store drops duplicates), logged."""
    empty = {feed: Seen() for feed in FEEDS}
    if not cursor:
        return empty
    try:
        data = json.loads(cursor)
        if data.get("v") != VERSION:
            raise ValueError(f"unknown version {data.get('v')!r}")
        return {feed: _seen(data.get(feed) or {}) for feed in FEEDS}
    except (ValueError, TypeError, AttributeError) as exc:
        log.warning(
            "tieba cursor unreadable, reading from the newest page again: %s",
            exc,
            extra={"event": "tieba_cursor_reset"},
        )
        return empty


def dump(seen: Mapping[str, Seen]) -> str:
    """Write a cursor (compact JSON)."""
    data: dict[str, Any] = {"v": VERSION}
    for feed in FEEDS:
        window = seen.get(feed, Seen())
        data[feed] = {"newest": window.newest, "recent": list(window.recent)}
    return json.dumps(data, separators=(",", ":"))


def _seen(data: Mapping[str, Any]) -> Seen:
    recent = tuple(int(pid) for pid in data.get("recent", ()))
    return Seen(newest=int(data.get("newest", 0)), recent=recent)
