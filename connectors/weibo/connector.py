"""The Weibo pull connector: polls @-mentions and comments, replies with comments."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.base import Batch, ReplyReceipt
from connectors.errors import BadPayload, RateLimited, Refused
from connectors.http import RAW_KEPT, Http
from connectors.model import Mention
from connectors.shared import Shared
from connectors.weibo import cursor as cursors
from connectors.weibo.config import WeiboConfig
from connectors.weibo.errors import REPEAT, error_for
from connectors.weibo.length import LIMIT, weibo_length
from connectors.weibo.paging import Pager
from connectors.weibo.parse import dump, item_id, parse_time

log = logging.getLogger(__name__)
# In Shared: when every process may call Weibo again; a per-call limit (10024, or 20016
# posting too often) holds back only that method, so a reply quota never stops the polling.
WAIT_KEY = "rate_limited_until"
PER_CALL = frozenset({10024, 20016})
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))  # zero width
BY_ME = "comments/by_me"


class WeiboConnector:
    """Poll statuses/mentions, comments/mentions and comments/to_me (each with its own
    since_id in one JSON cursor); reply with comments/create or comments/reply."""

    def __init__(
        self,
        name: str,
        config: WeiboConfig,
        *,
        http: Http,
        shared: Shared | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name = name
        self.config = config
        self.http = http
        self.shared = shared
        self._now = now
        self.pager = Pager(name, config, self.get)

    async def start(self) -> None:
        return None  # the runtime starts the shared Http session

    async def stop(self) -> None:
        return None

    async def fetch(self, cursor: str | None) -> Batch:
        """Read every configured kind after its cursor; see cursor.py and paging.py."""
        states = cursors.load(cursor)
        found: dict[str, Mention] = {}
        rejected: list[BadPayload] = []
        after = dict(states or {})  # kinds no longer configured keep their place
        for kind in self.config.kinds:
            before = None if states is None else states.get(kind)
            after[kind] = await self.pager.poll(kind, before, found, rejected)
        return Batch(
            mentions=tuple(found.values()), cursor=cursors.dump(after), rejected=tuple(rejected)
        )

    async def send_reply(self, mention: Mention, text: str) -> ReplyReceipt:
        """Comment on the status (a post mention) or reply to the comment; a repeat-content
        refusal is checked against comments/by_me, since a send that timed out may have
        gone through."""
        length = weibo_length(text)
        if length > LIMIT:
            raise Refused(f"weibo: reply is {length} long, over Weibo's {LIMIT}", code="length")
        if not text.translate(_INVISIBLE).strip():
            raise Refused("weibo: reply is empty", code="20008")
        if not _utf8(text):
            raise Refused("weibo: reply has characters UTF-8 cannot carry", code="encoding")
        path, form = self._reply_request(mention, text)
        try:
            data = await self.call("POST", path, form=form)
        except Refused as exc:
            if exc.code != str(REPEAT):
                raise
            receipt = await self.find_reply(mention, text)
            if receipt is not None:
                log.info("%s: reply to %s was already posted", self.name, mention.platform_id)
                return receipt
            raise
        return _receipt(data, path)

    async def find_reply(self, mention: Mention, text: str) -> ReplyReceipt | None:
        """Return the receipt of our comment with this text on the mention's status (and to
        its comment, for a reply) among our newest comments, or None if it is not there."""
        status_id, comment_id = _targets(mention)
        max_id = 0
        for _ in range(self.config.readback_pages):
            params = {"count": str(self.config.count)}
            if max_id:
                params["max_id"] = str(max_id)
            comments = await self.get(BY_ME, params, "comments")
            for item in comments:
                if _is_our_reply(item, text, status_id, comment_id):
                    return _receipt(item, BY_ME)
            ids = [n for n in map(item_id, comments) if n is not None]
            if len(comments) < self.config.count or not ids:
                return None
            max_id = min(ids) - 1  # max_id is inclusive
        return None

    def _reply_request(self, mention: Mention, text: str) -> tuple[str, dict[str, str]]:
        status_id, comment_id = _targets(mention)
        token = self.config.access_token.reveal()
        form = {"access_token": token, "comment": text, "id": status_id, "rip": self.config.rip}
        if comment_id is None:
            return "comments/create", form
        return "comments/reply", {**form, "cid": comment_id}

    async def get(self, path: str, params: Mapping[str, str], key: str) -> list[Any]:
        """GET a list endpoint and return its list under `key`, or raise BadPayload."""
        data = await self.call("GET", path, params=params)
        items = data.get(key) if isinstance(data, Mapping) else None
        if not isinstance(items, list):
            raise BadPayload(f"weibo {path}: no {key!r} list in the answer", raw=_dump(data))
        return items

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
    ) -> Any:
        """One API call, never while a rate-limit wait is on (in any process)."""
        now = self._now()
        for key in (WAIT_KEY, f"{WAIT_KEY}:{method}"):
            until = await self.shared.get(key) if self.shared is not None else None
            left = float(until) - now.timestamp() if until else 0.0
            if left > 0:
                raise RateLimited(f"weibo: rate limited for {left:.0f} s more", retry_after=left)
        if params is not None:
            params = {**params, "access_token": self.config.access_token.reveal()}
        url = f"{self.config.base}/{path}.json"
        reply = await self.http.request(method, url, params=params, form=form)
        error = error_for(reply, path, now)
        if error is None:
            return reply.data
        if isinstance(error, RateLimited) and self.shared is not None:
            code = reply.data.get("error_code") if isinstance(reply.data, Mapping) else None
            key = f"{WAIT_KEY}:{method}" if str(code) in map(str, PER_CALL) else WAIT_KEY
            resume = now.timestamp() + error.retry_after
            await self.shared.put(key, f"{resume:.3f}", error.retry_after)
        raise error


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def _targets(mention: Mention) -> tuple[str, str | None]:
    """Return (status id, comment id or None) a reply to this mention goes to."""
    if mention.platform != "weibo":
        raise Refused(f"weibo: cannot reply to a {mention.platform} mention", code="platform")
    if mention.kind == "mention":
        return mention.platform_id, None
    if mention.kind in ("comment", "comment_mention") and mention.thread_id:
        return mention.thread_id, mention.platform_id
    raise Refused(f"weibo: cannot reply to a {mention.kind!r} mention", code="kind")


def _is_our_reply(item: Any, text: str, status_id: str, comment_id: str | None) -> bool:
    if not isinstance(item, Mapping) or not isinstance(item.get("text"), str):
        return False
    status, replied = item.get("status"), item.get("reply_comment")
    if not isinstance(status, Mapping) or str(item_id(status)) != status_id:
        return False
    if comment_id is not None and isinstance(replied, Mapping):  # Weibo may leave it out
        return _matches(item["text"], text) and str(item_id(replied)) == comment_id
    return _matches(item["text"], text)


def _matches(posted: str, text: str) -> bool:
    # Weibo prepends "回复@name:" to a reply unless without_mention=1; whether it trims
    # surrounding spaces is not known, so they do not count.
    posted, text = posted.strip(), text.strip()
    return posted == text or (posted.startswith("回复@") and posted.endswith(":" + text))


def _receipt(data: Any, path: str) -> ReplyReceipt:
    number = item_id(data)
    try:
        if number is None or not isinstance(data, Mapping):
            raise ValueError("no idstr")
        return ReplyReceipt(reply_id=str(number), sent_at=parse_time(data.get("created_at")))
    except ValueError as exc:
        message = f"weibo {path}: the new comment is unreadable: {exc}"
        raise BadPayload(message, raw=_dump(data)) from exc


def _dump(data: Any) -> str:
    return dump(data)[:RAW_KEPT]
