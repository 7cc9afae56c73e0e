"""The WeChat connector: the push endpoint plus replies through the customer-service API.

Replies are checked against what we know before any call: the 48-hour window
(`Mention.reply_until`, or later if the user wrote again since; the injected clock), an
unsubscribe, and the per-message quota; WeChat's own answer (45015, 45047) is the last word.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime

from aiohttp import web

from connectors.base import Deliver, ReplyReceipt
from connectors.errors import Refused
from connectors.http import Http
from connectors.model import Mention
from connectors.shared import Shared, TokenCache
from connectors.wechat.api import REFUSED, WechatApi
from connectors.wechat.config import WechatConfig
from connectors.wechat.messages import REPLY_WINDOW
from connectors.wechat.push import Webhook
from connectors.wechat.state import Windows


class WechatConnector:
    """One Official Account: `handle` is mounted at `config.path` by the web app."""

    def __init__(
        self,
        name: str,
        config: WechatConfig,
        *,
        http: Http,
        shared: Shared,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        deadline: float = 3.0,
    ) -> None:
        self.name, self.config, self.path, self._now = name, config, config.path, now
        self.windows = Windows(shared)
        self.webhook = Webhook(name, config, self.windows, deadline=deadline)
        self.api = WechatApi(http, config, TokenCache(shared, self._fetch_token))

    async def _fetch_token(self) -> tuple[str, float]:
        return await self.api.fetch_token()

    async def start(self) -> None:
        return None  # the shared Http session is opened by the runtime

    async def stop(self) -> None:
        return None

    async def handle(self, request: web.Request, deliver: Deliver) -> web.StreamResponse:
        return await self.webhook.handle(request, deliver)

    async def send_reply(self, mention: Mention, text: str) -> ReplyReceipt:
        now, openid = self._now(), mention.author.id
        until = mention.reply_until
        if until is not None and now > until:
            last = await self.windows.last_wrote(openid)  # the user may have written since
            if last is None or now > last + REPLY_WINDOW:
                shown = max(until, last or until).isoformat(timespec="seconds")
                raise Refused(f"{REFUSED[45015]}: the window closed at {shown}", code="45015")
        if await self.windows.closed(openid):
            raise Refused(
                f"{REFUSED[45015]}: the user unsubscribed, or WeChat said so already",
                code="45015",
            )
        sent = await self.windows.sent_count(openid)
        limit = self.config.replies_per_message
        if sent >= limit:
            raise Refused(f"{REFUSED[45047]}: {sent} of {limit} sent", code="45047")
        try:
            data = await self.api.send_text(openid, text)
        except Refused as exc:  # WeChat knows better than we do: stop asking it
            if exc.code == "45047":
                await self.windows.count_sent(openid, limit)
            elif exc.code == "45015":
                await self.windows.close(openid)
            raise
        await self.windows.count_sent(openid, sent + 1)
        msgid = data.get("msgid")
        if msgid:
            reply_id = str(msgid)
        else:  # no id from WeChat: one stable per mention and text
            digest = hashlib.sha1(f"{mention.platform_id}\n{text}".encode()).hexdigest()
            reply_id = f"wechat-{digest[:16]}"
        return ReplyReceipt(reply_id=reply_id, sent_at=self._now())
