"""The Tieba pull connector: @-mentions and replies of one account, read through aiotieba.

Tieba is ingest-only here: aiotieba 4.8 has no way to post, and automated posting gets
accounts banned, so `send_reply` hands the reply to a person (PostByHand).
"""

from __future__ import annotations

import logging
from typing import Any

from connectors.base import Batch, ReplyReceipt
from connectors.errors import BadPayload, PostByHand
from connectors.model import Mention
from connectors.tieba import cursor, logs
from connectors.tieba.client import TiebaClient
from connectors.tieba.config import TiebaConfig, forum_key
from connectors.tieba.cursor import FEEDS, Seen
from connectors.tieba.mentions import build, post_url, raw_items

log = logging.getLogger(__name__)
HOME = "https://tieba.baidu.com"
Item = tuple[Any, dict[str, Any]]  # an aiotieba At or Reply, and the item as received


class TiebaConnector:
    """Read `get_replys` and `get_ats` page by page until a post already seen."""

    def __init__(self, name: str, config: TiebaConfig) -> None:
        self.name = name
        self.config = config
        self.client = TiebaClient(config)
        self.forums = frozenset(forum_key(f) for f in config.forums)
        logs.route(config.bduss.reveal())

    async def start(self) -> None:
        await self.client.start()

    async def stop(self) -> None:
        await self.client.stop()

    async def fetch(self, cursor_text: str | None) -> Batch:
        seen = cursor.parse(cursor_text)
        own = await self.client.own_id()
        mentions: list[Mention] = []
        rejected: list[BadPayload] = []
        taken: set[int] = set()  # a post can be both a reply to us and an @ of us
        after: dict[str, Seen] = {}
        for feed in FEEDS:
            items, pids = await self._read(feed, seen[feed])
            after[feed] = seen[feed].add(pids)
            for item, raw in items:
                if int(item.user.user_id) == own or not self._watched(item.fname):
                    continue
                if int(item.pid) in taken:
                    continue
                try:
                    mentions.append(build(feed, item, raw, self.name))
                except BadPayload as exc:
                    log.warning("%s: skipping a bad %s item: %s", self.name, feed, exc)
                    rejected.append(exc)
                    continue
                taken.add(int(item.pid))
        mentions.sort(key=lambda m: (m.created_at, int(m.platform_id)))  # oldest first
        return Batch(mentions=tuple(mentions), cursor=cursor.dump(after), rejected=tuple(rejected))

    async def _read(self, feed: str, seen: Seen) -> tuple[list[Item], list[int]]:
        """Return the unseen items of `feed` (newest first, each once) with their raw form,
        and every post id read; stop at a page that reaches what was seen before."""
        found: dict[int, Item] = {}
        pids: list[int] = []
        for pn in range(1, self.config.max_pages + 1):
            page = await (self.client.replys(pn) if feed == "reply" else self.client.ats(pn))
            raws = raw_items(feed, self.client.last_body)
            reached = False
            for item in page:
                pid = int(item.pid)
                pids.append(pid)
                reached = reached or seen.knows(pid) or seen.behind(pid)
                if not seen.knows(pid) and pid not in found:
                    found[pid] = (item, raws.get(pid, {}))
            if reached or not page.has_more:
                return list(found.values()), pids
        if seen.recent:  # a first fetch stopping at max_pages is expected; later, a gap
            log.warning(
                "%s: %s still has unseen posts after %d pages; older ones are skipped",
                self.name,
                feed,
                self.config.max_pages,
                extra={"event": "tieba_gap", "source": self.name, "feed": feed},
            )
        return list(found.values()), pids

    def _watched(self, forum: str) -> bool:
        return not self.forums or forum_key(forum) in self.forums

    async def send_reply(self, mention: Mention, text: str) -> ReplyReceipt:
        """Never post: hand the approved text to a person, with the link to the post."""
        url = mention.url or (
            post_url(mention.thread_id, mention.platform_id) if mention.thread_id else HOME
        )
        raise PostByHand(
            "Tieba replies are posted by a person: open the link, post the approved text as "
            "a reply there, then mark it sent (automated posting gets Tieba accounts banned)",
            url=url,
        )
