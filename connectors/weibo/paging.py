"""Paging one endpoint back from the newest item with since_id/max_id (PLATFORMS.md §1.5).

since_id is exclusive (id > since_id) and max_id inclusive (id <= max_id), so the next
older page asks for max_id = smallest id seen - 1. A range is read until it is caught up (a
short page, or the bottom reached); when a poll's pages run out first, the rest becomes a gap
in the cursor that later polls read, newest first, after the new items on top.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from connectors.errors import BadPayload
from connectors.model import Mention
from connectors.weibo.config import WeiboConfig
from connectors.weibo.cursor import KindState
from connectors.weibo.parse import author_id, item_id, to_mention

log = logging.getLogger(__name__)
# kind -> (endpoint, list key, Mention.kind)
ENDPOINTS = {
    "mentions": ("statuses/mentions", "statuses", "mention"),
    "comment_mentions": ("comments/mentions", "comments", "comment_mention"),
    "comments_to_me": ("comments/to_me", "comments", "comment"),
}
MAX_GAPS = 20  # Weibo pages back only about 1000 items; older gaps cannot be read anyway

Get = Callable[[str, Mapping[str, str], str], Awaitable[list[Any]]]


class Pager:
    """Read one kind's new items into `found` (deduped by idstr) and return its new state."""

    def __init__(self, name: str, config: WeiboConfig, get: Get) -> None:
        self.name, self.config, self.get = name, config, get

    async def poll(
        self,
        kind: str,
        state: KindState | None,
        found: dict[str, Mention],
        rejected: list[BadPayload],
    ) -> KindState:
        if state is None:  # first run ever: the newest page only, no history backfill
            top, _, _ = await self._range(kind, 0, 0, 1, found, rejected)
            return KindState(since=top or 0)
        pages = self.config.max_pages
        top, rest, used = await self._range(kind, state.since, 0, pages, found, rejected)
        gaps = [rest] if rest else []
        pages -= used
        for low, high in state.gaps:
            if pages == 0:
                gaps.append((low, high))
                continue
            _, left, used = await self._range(kind, low, high, pages, found, rejected)
            pages -= used
            gaps.extend([left] if left else [])
        if len(gaps) > MAX_GAPS:
            log.warning("%s: %s is far behind; giving up %s", self.name, kind, gaps[MAX_GAPS:])
            gaps = gaps[:MAX_GAPS]
        return KindState(since=max(state.since, top or 0), gaps=gaps)

    async def _range(
        self,
        kind: str,
        low: int,
        high: int,
        pages: int,
        found: dict[str, Mention],
        rejected: list[BadPayload],
    ) -> tuple[int | None, tuple[int, int] | None, int]:
        """Read ids in (low, high] (high 0: no bound), newest first, at most `pages` pages.

        Return the newest id seen, the part left unread (or None) and the pages used.
        """
        path, key, label = ENDPOINTS[kind]
        top: int | None = None
        for used in range(1, pages + 1):
            params = {"count": str(self.config.count)}
            params |= {"since_id": str(low)} if low else {}
            params |= {"max_id": str(high)} if high else {}
            items = await self.get(path, params, key)
            ids = [n for n in map(item_id, items) if n is not None]
            for item, number in zip(items, map(item_id, items), strict=True):
                # Outside the range asked for: seen already, or another range's to read.
                if number is None or (number > low and (not high or number <= high)):
                    self._take(item, label, found, rejected)
            if ids:
                top = max(top or 0, *ids)
            if len(items) < self.config.count or not ids or min(ids) - 1 <= low:
                return top, None, used
            high = min(ids) - 1
        return top, (low, high), pages

    def _take(
        self, item: Any, label: str, found: dict[str, Mention], rejected: list[BadPayload]
    ) -> None:
        if author_id(item) == self.config.uid:
            return  # our own post or comment
        try:
            mention = to_mention(item, kind=label, account=self.name, brand=self.config.uid)
        except BadPayload as bad:
            log.warning("%s: skipping a bad %s item: %s", self.name, label, bad)
            rejected.append(bad)
            return
        found.setdefault(mention.platform_id, mention)
