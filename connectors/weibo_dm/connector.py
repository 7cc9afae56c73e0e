"""Weibo private messages: Weibo pushes each fan's message to our URL (PLATFORMS.md 5.1,
5.2); a person's approved reply goes back through the active reply API (5.4), never as a
passive reply in the push's answer (5.3)."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from aiohttp import web

from connectors.base import Deliver, ReplyReceipt
from connectors.errors import ConnectorError, Refused
from connectors.http import Http
from connectors.model import Mention
from connectors.shared import Shared
from connectors.weibo_dm import reply
from connectors.weibo_dm.config import WeiboDmConfig
from connectors.weibo_dm.push import MESSAGES, Malformed, Push, read_json, read_xml, signed

log = logging.getLogger(__name__)
MAX_PUSH = 1024 * 1024  # a push is a few hundred bytes; anything near this is not Weibo
# Events that end or restore the fan's relation: after an unfollow Weibo takes no reply
# (5.4.4). In JSON mode "unsubscribe" is a keyword subscription, not an unfollow; in XML
# mode Weibo mimics WeChat, whose "unsubscribe" is the unfollow [U].
GONE = {"json": {"unfollow"}, "xml": {"unfollow", "unsubscribe"}}
BACK = {"follow", "subscribe", "scan_follow"}


class WeiboDmConnector:
    """One brand account's private messages, mounted by the web app at `config.path`."""

    def __init__(
        self,
        name: str,
        config: WeiboDmConfig,
        *,
        http: Http,
        shared: Shared,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name, self.config, self.path = name, config, config.path
        self.http, self.shared, self._now = http, shared, now

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def handle(self, request: web.Request, deliver: Deliver) -> web.StreamResponse:
        """Answer URL binding (GET) and pushes (POST); a push is answered with an empty 200
        only once its mention is stored, so a failure makes Weibo push it again."""
        if not signed(self.config.app_secret.reveal(), request.query):
            return self._refuse(request, 403, "bad or missing signature")
        if request.method == "GET":
            echostr = request.query.get("echostr", "")
            if not echostr:
                return self._refuse(request, 400, "GET without echostr")
            log.info("%s: URL binding verified", self.name)
            return web.Response(text=echostr, content_type="text/plain")
        if request.method != "POST":
            return self._refuse(request, 405, f"method {request.method}")
        body = await _read(request)
        if body is None:
            return self._refuse(request, 413, f"body over {MAX_PUSH} bytes")
        wrong = b"{" if self.config.format == "xml" else b"<"
        if body.lstrip()[:1] == wrong:
            got = "JSON" if wrong == b"{" else "XML"
            log.error(
                "%s: Weibo pushed %s but format = %r: was eps/push/set_format called? "
                "Set format to match, or set the account back",
                self.name,
                got,
                self.config.format,
            )
            return web.Response(status=415, text=f"expected {self.config.format}")
        try:
            push = read_xml(body) if self.config.format == "xml" else read_json(body)
        except Malformed as exc:
            return self._refuse(request, 400, str(exc))
        if push.receiver != self.config.uid:
            return self._refuse(request, 400, f"push for account {push.receiver}, not ours")
        timeout = self.config.ack_timeout.total_seconds()
        try:
            await asyncio.wait_for(self._take(push, deliver), timeout)
        except Exception as exc:  # the store is away or slow: let Weibo push it again
            why = "timed out" if isinstance(exc, TimeoutError) else type(exc).__name__
            log.warning("%s: push not stored (%s); answering 503", self.name, why)
            return web.Response(status=503, text="not stored, push again")
        return web.Response(status=200, body=b"")  # empty: acknowledged, no passive reply

    async def _take(self, push: Push, deliver: Deliver) -> None:
        """Deliver an ordinary message and note it for the quota; note relation events;
        ignore the rest (@-mentions come through the `weibo` connector, unknown types
        are to be ignored per the docs, and the account's own messages need no answer)."""
        if push.sender == self.config.uid:
            log.info("%s: ignored the account's own %s push", self.name, push.type)
        elif push.type in MESSAGES:
            await deliver([push.to_mention(self.name, self.config.reply_window)])
            await self._wrote(push)
        elif push.type == "event" and push.subtype in GONE[self.config.format]:
            await self.shared.put(f"gone:{push.sender}", str(_stamp(push)), self._ttl)
        elif push.type == "event" and push.subtype in BACK:
            await self.shared.delete(f"gone:{push.sender}")
        else:
            log.info("%s: ignored a %s push (%s)", self.name, push.type, push.subtype or "-")

    async def _wrote(self, push: Push) -> None:
        """The fan wrote: their reply quota starts over, unless this is a retry or older."""
        stamp = _stamp(push)
        gone = await self.shared.get(f"gone:{push.sender}")
        if gone is not None and int(gone) <= stamp:  # not a late resend from before it
            await self.shared.delete(f"gone:{push.sender}")
        last = await self.shared.get(f"last:{push.sender}")
        if last is None or int(last.split(":", 1)[0]) <= stamp:
            await self.shared.put(f"last:{push.sender}", f"{stamp}:{push.identity}", self._ttl)

    @property
    def _ttl(self) -> float:
        return self.config.reply_window.total_seconds()

    def _refuse(self, request: web.Request, status: int, why: str) -> web.Response:
        log.warning("%s: %s from %s refused: %s", self.name, request.method, request.remote, why)
        return web.Response(status=status, text=why)

    async def send_reply(self, mention: Mention, text: str) -> ReplyReceipt:
        """Send `text` to the fan as a private message; refuse before calling when the
        window is closed, the fan unfollowed, or the quota is used up."""
        now, fan = self._now(), mention.author.id
        until = mention.reply_until or mention.created_at + self.config.reply_window
        if now > until:
            raise Refused(f"reply window closed at {until.isoformat()}", code="window")
        if not text.strip() or len(text) >= reply.MAX_TEXT:
            raise Refused(f"text must be 1 to {reply.MAX_TEXT - 1} characters", code="length")
        if await self.shared.get(f"gone:{fan}") is not None:
            raise Refused("the fan unfollowed: Weibo takes no reply", code="unfollowed")
        slot = await self._claim(fan, mention)
        token = self.config.access_token.reveal()
        # No answer (timeout, dropped, an HTML 502) may still have been sent: the slot
        # stays taken. An answer with an error means it was not: the slot is given back.
        answer = await self.http.request(
            "POST", self.config.reply_url, form=reply.form(token, fan, text)
        )
        try:
            return reply.receipt(answer, fan, text, now)
        except ConnectorError:
            await self.shared.delete(*slot)
            raise

    async def _claim(self, fan: str, mention: Mention) -> tuple[str, str]:
        """Take one of the `quota` replies allowed since the fan last wrote; each is a key
        set only if new, so processes sharing Redis never take the same one."""
        since = await self.shared.get(f"last:{fan}") or mention.platform_id
        mark = secrets.token_hex(8)
        for i in range(self.config.quota):
            key = f"sent:{fan}:{since}:{i}"
            if await self.shared.put_new(key, mark, self._ttl):
                return key, mark
        raise Refused(
            f"quota of {self.config.quota} replies since the fan last wrote is used up",
            code="quota",
        )


def _stamp(push: Push) -> int:
    return int(push.created_at.timestamp())


async def _read(request: web.Request) -> bytes | None:
    """The raw body, or None if it is over MAX_PUSH (read no further than that)."""
    if (request.content_length or 0) > MAX_PUSH:
        return None
    chunks, size = [], 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        if size > MAX_PUSH:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
