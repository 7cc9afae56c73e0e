"""The http_json connector: poll a JSON list endpoint page by page, post replies from a
body template; HTTP statuses become the typed errors here, in one place."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import jmespath

from connectors.base import Batch, ReplyReceipt
from connectors.errors import (
    AuthFailed,
    BadPayload,
    PostByHand,
    RateLimited,
    Refused,
    Unavailable,
)
from connectors.http import Http, Reply, retry_after
from connectors.http_json.config import HttpJsonConfig
from connectors.http_json.lookup import Lookup
from connectors.http_json.mapping import Mapper
from connectors.http_json.template import Missing, fill, render_body
from connectors.model import Mention

log = logging.getLogger(__name__)
JSON_TYPE = "application/json; charset=utf-8"


class HttpJsonConnector:
    """A pull connector for any JSON API; the cursor is the API's own cursor value."""

    def __init__(
        self,
        name: str,
        config: HttpJsonConfig,
        *,
        http: Http,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name = name
        self.config = config
        self.http = http
        self.mapper = Mapper(name, config)
        self._now = now
        reply = config.reply
        self._reply_id = jmespath.compile(reply.id) if reply and reply.id else None
        self._success = jmespath.compile(reply.success) if reply and reply.success else None
        self._lookup = Lookup(name, reply.lookup) if reply and reply.lookup else None

    @property
    def can_find_reply(self) -> bool:
        """Whether `find_reply` can ask the platform (a `[reply.lookup]` is configured)."""
        return self._lookup is not None

    async def start(self) -> None:
        await self.http.start()

    async def stop(self) -> None:
        return None  # the shared session belongs to whoever runs the connectors

    async def fetch(self, cursor: str | None) -> Batch:
        """Fetch up to `cursor.max_pages` pages from `cursor` on. A failure after the first
        page returns what came so far (its cursor included); the next poll goes on. A post
        seen twice in one fetch is handed on once (the pipeline drops later repeats)."""
        pages = self.config.cursor.max_pages if self.config.cursor else 1
        mentions: list[Mention] = []
        rejected: list[BadPayload] = []
        taken: set[str] = set()
        for number in range(pages):
            try:
                data = await self._list(cursor)
                page = self.mapper.page(data)
            except (Unavailable, RateLimited, BadPayload) as exc:
                if number == 0:
                    raise
                log.warning(
                    "%s: page %d failed, keeping pages before it: %s", self.name, number, exc
                )
                break
            for mention in page.mentions:  # a post may show twice, or shift to the next page
                if mention.platform_id not in taken:
                    taken.add(mention.platform_id)
                    mentions.append(mention)
            rejected += page.rejected
            following = self.mapper.next_cursor(data, page.items, cursor)
            done = following is None or following == cursor or not page.items
            cursor = following if following is not None else cursor
            if done or not self.mapper.has_more(data):
                break
        return Batch(mentions=tuple(mentions), cursor=cursor, rejected=tuple(rejected))

    async def _list(self, cursor: str | None) -> Any:
        config = self.config
        params = dict(config.params)
        if cursor is not None and config.cursor is not None:
            params[config.cursor.param] = cursor
        headers = self._headers()
        if config.method == "GET":
            reply = await self.http.request("GET", config.url, params=params, headers=headers)
        else:
            body = json.dumps(params, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = JSON_TYPE
            reply = await self.http.request("POST", config.url, body=body, headers=headers)
        self._raise_for(reply, "list")
        if not 200 <= reply.status < 300:
            raise Unavailable(
                f"{self.name}: the list endpoint answered HTTP {reply.status}:"
                " check url, method and params"
            )
        return reply.data

    async def send_reply(self, mention: Mention, text: str) -> ReplyReceipt:
        """Post a reply from the body template; without a `reply` table a person posts it."""
        reply_config = self.config.reply
        if reply_config is None:
            raise PostByHand(f"{self.name}: replies are posted by hand", url=mention.url or "")
        values = _values(mention, text)
        try:
            url = fill(reply_config.url, values, in_url=True)
            body = render_body(reply_config.parsed_body(), values)
        except Missing as exc:
            raise Refused(f"{self.name}: cannot build the reply: {exc}") from exc
        headers = {**self._headers(), "Content-Type": JSON_TYPE}
        reply = await self.http.request(reply_config.method, url, body=body, headers=headers)
        self._raise_for(reply, "reply")
        if not 200 <= reply.status < 300:
            raise Refused(
                f"{self.name}: the reply was refused with HTTP {reply.status}",
                code=str(reply.status),
            )
        if self._success is not None and not self._success.search(reply.data):
            raise Refused(
                f"{self.name}: the reply endpoint answered {reply.status} but"
                f' "{reply_config.success}" is not true: {reply.text[:200]}',
                code=str(reply.status),
            )
        found = self._reply_id.search(reply.data) if self._reply_id is not None else None
        if self._reply_id is not None and found in (None, ""):
            # Posted, as far as we can tell: sending it again would post it twice.
            log.warning("%s: reply posted but no id at %s", self.name, reply_config.id)
        return ReplyReceipt(reply_id="" if found is None else str(found), sent_at=self._now())

    async def find_reply(self, mention: Mention, text: str) -> ReplyReceipt | None:
        """Return our reply with `text` to `mention` if the look-up lists it, None if it
        does not; raise (Unavailable, BadPayload, ...) when the answer cannot tell."""
        if self._lookup is None:
            raise Unavailable(f"{self.name}: no [reply.lookup] configured")
        url, body = self._lookup.request(_values(mention, text))
        headers = self._headers()
        if body is not None:
            headers["Content-Type"] = JSON_TYPE
        method = self._lookup.config.method
        reply = await self.http.request(method, url, body=body, headers=headers)
        self._raise_for(reply, "reply look-up")
        if not 200 <= reply.status < 300:
            raise Unavailable(f"{self.name}: the reply look-up answered HTTP {reply.status}")
        found = self._lookup.find(reply.data, text, mention.platform_id)
        if found is None:
            return None
        log.info("%s: reply to %s found as %s", self.name, mention.platform_id, found)
        return ReplyReceipt(reply_id=found, sent_at=self._now())

    def _headers(self) -> dict[str, str]:
        headers = dict(self.config.headers)
        if self.config.auth is not None:
            value = self.config.auth_value.replace("{token}", self.config.auth.reveal())
            headers[self.config.auth_header] = value
        return headers

    def _raise_for(self, reply: Reply, what: str) -> None:
        """Raise the typed error for statuses that mean the same for listing and replying."""
        status = reply.status
        if status in (401, 403):
            raise AuthFailed(f"{self.name}: the {what} endpoint refused the credentials ({status})")
        if status == 429:
            wait = retry_after(reply.headers.get("Retry-After"), self._now())
            raise RateLimited(f"{self.name}: rate limited ({what})", retry_after=wait)
        if status >= 500 or status == 408:
            raise Unavailable(f"{self.name}: the {what} endpoint answered HTTP {status}")


def _values(mention: Mention, text: str) -> dict[str, str | None]:
    """What a reply's templates (and its look-up's) may name."""
    return {
        "id": mention.platform_id,
        "thread": mention.thread_id,
        "parent": mention.parent_id,
        "author_id": mention.author.id,
        "author_name": mention.author.name,
        "kind": mention.kind,
        "url": mention.url,
        "text": text,
    }
