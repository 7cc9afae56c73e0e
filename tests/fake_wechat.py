"""WeChat fakes (PLATFORMS.md §4.2): a pusher that drives our webhook as WeChat would,
built on wechatpy (an independent implementation), and a fake api.weixin.qq.com."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import re
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import aiohttp
from aiohttp import web
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import check_signature

TOKEN = "tiexin-token"
APP_ID = "wx49f0ab532d5d035a"
APP_SECRET = "s3cr3t-app-secret-0123456789abcd"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
ACCOUNT = "gh_0123456789ab"
Mode = Literal["plain", "compatible", "safe"]
_XML = {"Content-Type": "text/xml"}


def cdata(text: str) -> str:
    """Wrap text in CDATA, splitting any "]]>" inside it."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_xml(openid: str, content: str, *, msg_id: int, create_time: int) -> str:
    return (
        f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName>"
        f"<FromUserName>{cdata(openid)}</FromUserName><CreateTime>{create_time}</CreateTime>"
        f"<MsgType>{cdata('text')}</MsgType><Content>{cdata(content)}</Content>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(openid: str, event: str, *, create_time: int) -> str:
    return (
        f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName>"
        f"<FromUserName>{cdata(openid)}</FromUserName><CreateTime>{create_time}</CreateTime>"
        f"<MsgType>{cdata('event')}</MsgType><Event>{cdata(event)}</Event></xml>"
    )


def fields(xml: str) -> dict[str, str]:
    """The children of a flat `<xml>` document (test data and our answers only)."""
    return {child.tag: child.text or "" for child in ET.fromstring(xml)}


@dataclass
class Answer:
    status: int
    body: str
    attempts: int


class Pusher:
    """Send pushes like WeChat: sign (and encrypt) with wechatpy, wait `timeout` seconds
    (5 for real), re-send the identical request up to `retries` times on a timeout or a
    5xx, and check the answer is one WeChat accepts."""

    def __init__(
        self,
        url: str,
        *,
        token: str = TOKEN,
        aes_key: str = AES_KEY,
        app_id: str = APP_ID,
        timeout: float = 5.0,
        retries: int = 3,
    ) -> None:
        self.url, self.token, self.timeout, self.retries = url, token, timeout, retries
        self.crypto = WeChatCrypto(token, aes_key, app_id)

    def sign(self, timestamp: str, nonce: str) -> str:
        return hashlib.sha1("".join(sorted([self.token, timestamp, nonce])).encode()).hexdigest()

    def build(
        self, xml: str, mode: Mode, *, timestamp: str = "1700000000", nonce: str = "98765"
    ) -> tuple[dict[str, str], bytes]:
        """Return the query and body WeChat would send for `xml` in `mode`."""
        query = {"signature": self.sign(timestamp, nonce), "timestamp": timestamp}
        query |= {"nonce": nonce, "openid": "o-pusher"}
        check_signature(self.token, query["signature"], timestamp, nonce)  # wechatpy agrees
        if mode == "plain":
            return query, xml.encode("utf-8")
        envelope = fields(self.crypto.encrypt_message(xml, nonce, timestamp))
        query |= {"encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}
        encrypted = f"<Encrypt>{cdata(envelope['Encrypt'])}</Encrypt>"
        if mode == "compatible":  # the plain fields and the ciphertext, side by side
            return query, xml.replace("</xml>", encrypted + "</xml>").encode("utf-8")
        return query, f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName>{encrypted}</xml>".encode()

    async def push(self, xml: str, mode: Mode = "plain", **kwargs: str) -> Answer:
        query, body = self.build(xml, mode, **kwargs)
        return await self.send(query, body)

    async def send(self, query: dict[str, str], body: bytes, method: str = "POST") -> Answer:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        status, text, attempts = 0, "", 0
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while attempts <= self.retries:
                attempts += 1
                try:
                    async with session.request(
                        method, self.url, params=query, data=io.BytesIO(body), headers=_XML
                    ) as resp:
                        status, text = resp.status, await resp.text()
                except TimeoutError:
                    status, text = 0, ""
                    continue
                if status < 500:
                    break
        return Answer(status=status, body=text, attempts=attempts)

    def accepts(self, answer: Answer) -> bool:
        """Return whether WeChat would take the answer (else the user sees 该公众号暂时无法
        提供服务): "", "success", a reply XML, or an envelope that decrypts."""
        if answer.status != 200:
            return False
        if answer.body in ("", "success"):
            return True
        try:
            data = fields(answer.body)
        except ET.ParseError:
            return False
        if "Encrypt" in data:
            self.crypto.decrypt_message(
                answer.body, data["MsgSignature"], data["TimeStamp"], data["Nonce"]
            )
            return True
        return bool(data.get("MsgType")) and str(data.get("CreateTime", "")).isdigit()


@dataclass
class Sent:
    raw: bytes
    data: dict[str, Any]
    token: str


@dataclass
class FakeApi:
    """api.weixin.qq.com as §4.2 (b) describes: always HTTP 200 with a JSON body (unless a
    status is injected), errmsg with a random rid, tokens that supersede each other."""

    now: Callable[[], datetime]
    app_id: str = APP_ID
    secret: str = APP_SECRET
    expires_in: int = 7200
    quota: int = 5
    delay: float = 0.0
    overlap: timedelta = timedelta(0)  # the docs: old and new tokens both work for 5 min
    msgids: bool = False  # answer with a msgid, as some accounts' API does
    users: dict[str, datetime] = field(default_factory=dict)  # openid -> last message
    unsubscribed: set[str] = field(default_factory=set)
    token_errors: list[int] = field(default_factory=list)
    send_errors: list[int] = field(default_factory=list)
    send_statuses: list[int] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    attempts: list[bytes] = field(default_factory=list)
    token_fetches: int = 0
    current: str | None = None
    previous: tuple[str, datetime] | None = None  # the superseded token, valid until
    expired: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._send)
        return app

    def user_wrote(self, openid: str, at: datetime) -> None:
        """The pusher's hook: the user messaged the account at `at`."""
        self.users[openid], self.counts[openid] = at, 0

    def rotate(self) -> str:
        """Someone else fetched a token: ours is now superseded (40001)."""
        self.token_fetches += 1
        if self.current is not None:
            self.previous = (self.current, self.now() + self.overlap)
        self.current = f"T{self.token_fetches}-{secrets.token_hex(4)}"
        return self.current

    @staticmethod
    def _error(code: int, message: str) -> web.Response:
        rid = "-".join(secrets.token_hex(4) for _ in range(3))
        return web.json_response({"errcode": code, "errmsg": f"{message} rid: {rid}"})

    async def _token(self, request: web.Request) -> web.Response:
        q = request.query
        if self.token_errors:
            return self._error(self.token_errors.pop(0), "injected")
        if q.get("grant_type") != "client_credential":
            return self._error(40002, "invalid grant_type")
        if q.get("appid") != self.app_id:
            return self._error(40013, "invalid appid")
        if q.get("secret") != self.secret:
            return self._error(40125, "invalid appsecret")
        return web.json_response({"access_token": self.rotate(), "expires_in": self.expires_in})

    async def _send(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.attempts.append(raw)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.send_statuses:
            status = self.send_statuses.pop(0)
            return web.Response(status=status, text=f"<html>{status} Bad Gateway</html>")
        token = request.query.get("access_token")
        if not token:
            return self._error(41001, "access_token missing")
        previous, until = self.previous or ("", self.now())
        if token != self.current and not (token == previous and self.now() < until):
            known = re.fullmatch(r"T\d+-[0-9a-f]{8}", token) is not None
            if known:
                return self._error(40001, "invalid credential, access_token is not latest")
            return self._error(40014, "invalid access_token")
        if token in self.expired:
            return self._error(42001, "access_token expired")
        if self.send_errors:
            return self._error(self.send_errors.pop(0), "injected")
        if re.search(rb"\\u[0-9a-fA-F]{4}", raw):
            return self._error(40033, "不合法的请求字符，不能包含 \\uxxxx 格式的字符")
        try:
            data = json.loads(raw)
        except ValueError:
            return self._error(47001, "data format error")
        if data.get("msgtype") == "text" and not data.get("text", {}).get("content"):
            return self._error(44004, "empty content")
        openid = data.get("touser")
        if openid not in self.users:
            return self._error(40003, "invalid openid")
        if openid in self.unsubscribed or self.now() - self.users[openid] > timedelta(hours=48):
            return self._error(45015, "response out of time limit or subscription is canceled")
        if self.counts[openid] >= self.quota:
            return self._error(45047, "out of response count limit")
        self.counts[openid] += 1
        self.sent.append(Sent(raw=raw, data=data, token=token))
        extra = {"msgid": 3_000_000_000 + len(self.sent)} if self.msgids else {}
        return web.json_response({"errcode": 0, "errmsg": "ok"} | extra)
