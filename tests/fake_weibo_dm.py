"""Fakes of Weibo's side of private messages (PLATFORMS.md 5.5): a pusher that calls our
URL the way Weibo does, and the active reply API recording exactly what it received."""

from __future__ import annotations

import asyncio
import io
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

from connectors.weibo_dm.push import signature

BRAND = "1902538057"
FAN = "2489518277"
SECRET = "xyz123xyz"
TOKEN = "2.00XkXboF0Oc3l6a827a7a5a02_NdQB"
# No error table exists for this endpoint (5.6): these codes are made up for the fake.
WINDOW_CODE, QUOTA_CODE = 20901, 20902


def weibo_time(when: datetime) -> str:
    """Twitter-style time in Beijing time, as Weibo writes it (5.2)."""
    return when.astimezone(timezone(timedelta(hours=8))).strftime("%a %b %d %H:%M:%S %z %Y")


def json_push(
    kind: str, text: str, when: datetime, data: dict[str, Any] | None = None, *, fan: str = FAN
) -> bytes:
    """A compact UTF-8 JSON push (5.2.1, 5.2.2): bare int64 ids, real CJK characters."""
    body = {
        "type": kind,
        "receiver_id": int(BRAND),
        "sender_id": int(fan),
        "created_at": weibo_time(when),
        "text": text,
        "data": data or {},
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def xml_push(kind: str, text: str, when: datetime, extra: str = "", *, fan: str = FAN) -> bytes:
    """A WeChat-compatible XML push (5.2.5); MsgId is documented as empty."""
    return (
        f"<xml><ToUserName><![CDATA[{BRAND}]]></ToUserName>"
        f"<FromUserName><![CDATA[{fan}]]></FromUserName>"
        f"<CreateTime>{int(when.timestamp())}</CreateTime>"
        f"<MsgType><![CDATA[{kind}]]></MsgType>"
        f"<Content><![CDATA[{text}]]></Content><MsgId></MsgId>{extra}</xml>"
    ).encode()


@dataclass
class Attempt:
    """One delivery attempt and what our side answered (status None: no answer in time)."""

    query: dict[str, str]
    status: int | None
    body: bytes


class Pusher:
    """Weibo's push service: signed GET binding, signed POST pushes, retries when there is
    no success in time (5.2.3; whether a non-200 is retried is [U], so it is an option)."""

    def __init__(
        self,
        url: str,
        secret: str = SECRET,
        *,
        attempts: int = 4,
        timeout: float = 5.0,
        retry_on_error: bool = True,
    ) -> None:
        self.url, self.secret = url, secret
        self.attempts, self.timeout, self.retry_on_error = attempts, timeout, retry_on_error
        self.log: list[Attempt] = []

    def _signed(self, secret: str | None = None, **extra: str) -> dict[str, str]:
        nonce = str(secrets.randbelow(10**8))
        stamp = str(int(time.time() * 1000))  # milliseconds: 13 digits, unlike WeChat
        sig = signature(secret or self.secret, stamp, nonce)
        return {"nonce": nonce, "timestamp": stamp, **extra, "signature": sig}

    async def bind(self, *, secret: str | None = None) -> Attempt:
        """The first handshake: expect the echostr back, byte for byte."""
        query = self._signed(secret, echostr=secrets.token_urlsafe(8))
        return await self.send("GET", query, None)

    async def push(self, body: bytes, *, secret: str | None = None) -> list[Attempt]:
        """Push `body`; resend it (fresh nonce and signature) until success or out of tries."""
        tries: list[Attempt] = []
        for _ in range(self.attempts):
            tries.append(await self.send("POST", self._signed(secret), body))
            status = tries[-1].status
            if status == 200 or (status is not None and not self.retry_on_error):
                break
        return tries

    async def send(self, method: str, query: dict[str, str], body: bytes | None) -> Attempt:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            try:
                async with session.request(
                    method, self.url, params=query, data=None if body is None else io.BytesIO(body)
                ) as resp:
                    attempt = Attempt(query, resp.status, await resp.read())
            except TimeoutError:  # Weibo drops the connection and pushes again
                attempt = Attempt(query, None, b"")
        self.log.append(attempt)
        return attempt


@dataclass
class Received:
    """One request to the reply API, as it arrived."""

    path: str
    query: dict[str, str]
    content_type: str
    body: bytes
    form: dict[str, str]


@dataclass
class ReplyApi:
    """`POST /2/messages/reply.json` (and the c.api `/reply/biz.json`): form-encoded,
    token in the query or the body, one layer of encoding, window and quota enforced."""

    now: Callable[[], datetime]
    window: timedelta = timedelta(hours=48)
    quota: int | None = None  # None: unlimited, the newest docs' rule
    delay: float = 0.0
    give_id: bool = False
    received: list[Received] = field(default_factory=list)
    failures: list[tuple[int, Any]] = field(default_factory=list)  # answered first, in order
    wrote: dict[str, datetime] = field(default_factory=dict)  # fan -> last inbound
    sent: dict[str, int] = field(default_factory=dict)  # fan -> replies since then
    gone: set[str] = field(default_factory=set)

    def inbound(self, fan: str, when: datetime) -> None:
        self.wrote[fan], self.sent[fan] = when, 0
        self.gone.discard(fan)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2/messages/reply.json", self._reply)
        app.router.add_post("/2/messages/reply/biz.json", self._reply)
        return app

    async def _reply(self, request: web.Request) -> web.Response:
        body = await request.read()
        form = dict(parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=True))
        self.received.append(
            Received(request.path, dict(request.query), request.content_type, body, form)
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failures:
            status, answer = self.failures.pop(0)
            if isinstance(answer, str):
                return web.Response(status=status, text=answer, content_type="text/html")
            return web.json_response(answer, status=status)
        return self._decide(request.path, {**request.query, **form})

    def _decide(self, path: str, params: dict[str, str]) -> web.Response:
        if params.get("access_token") != TOKEN:
            return _error(path, 21332, "invalid_access_token", 401)
        missing = [k for k in ("type", "data", "receiver_id") if not params.get(k)]
        if missing:
            return _error(path, 10016, f"Miss required parameter ({missing[0]})", 400)
        try:
            data = json.loads(params["data"])  # exactly one layer: after form decoding
        except ValueError:
            return _error(path, 10017, "Parameter (data)'s value invalid", 400)
        text = data.get("text") if isinstance(data, dict) else None
        if params["type"] != "text" or not isinstance(text, str):
            return _error(path, 10017, "Parameter (data)'s value invalid", 400)
        if len(text) >= 300:
            return _error(path, 20012, "Text too long", 400)
        fan = params["receiver_id"]
        last = self.wrote.get(fan)
        if fan in self.gone or last is None or self.now() > last + self.window:
            return _error(path, WINDOW_CODE, "reply window expired", 403)
        if self.quota is not None and self.sent.get(fan, 0) >= self.quota:
            return _error(path, QUOTA_CODE, "reply quota used up", 403)
        self.sent[fan] = self.sent.get(fan, 0) + 1
        answer: dict[str, Any] = {
            "result": True,
            "sender_id": int(BRAND),
            "receiver_id": int(fan),
            "type": "text",
            "data": params["data"],
        }
        if self.give_id:
            answer["id"] = 4100000000000000 + len(self.received)
        return web.json_response(answer)


def _error(path: str, code: int, text: str, status: int) -> web.Response:
    return web.json_response({"error": text, "error_code": code, "request": path}, status=status)
