"""Fake DingTalk, WeCom and Feishu robots and a generic webhook receiver on one aiohttp app.

Each checks the request the way the real service does (token, timestamp window, signature,
message shape), answers in the service's own error format, and records what it got. Tests
queue answers (`script`) to inject error codes, 5xx or a hang."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

DING_TOKEN = "ding-token-c0ffee"
DING_SECRET = "SECdingsecret0123456789abcdef"
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
FEISHU_HOOK = "feishu-hook-2c1b6d"
FEISHU_SECRET = "feishu-secret-9f8e7d"
HOOK_SECRET = "webhook-secret-5a4b3c"
WINDOW = 3600  # seconds: DingTalk and Feishu refuse timestamps further off than an hour


@dataclass(slots=True)
class Got:
    """One request as received."""

    robot: str
    query: dict[str, str]
    raw_query: str
    headers: dict[str, str]
    raw: bytes
    body: Any
    mentioned: list[str] = field(default_factory=list)  # whom the platform would @
    answer: Answer | None = None  # the scripted answer it got (None: the robot's own)


@dataclass(slots=True)
class Answer:
    """A queued answer: a status and a JSON body (or `text` as is), after `delay` seconds."""

    status: int = 200
    body: Any = None
    delay: float = 0.0
    text: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> web.Response:
        if self.text is not None:
            return web.Response(text=self.text, status=self.status, headers=self.headers)
        return web.json_response(self.body, status=self.status, headers=self.headers)


@dataclass(slots=True)
class FakeRobots:
    now: Callable[[], datetime]
    got: list[Got] = field(default_factory=list)
    script: dict[str, list[Answer]] = field(default_factory=dict)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/robot/send", self.dingtalk)
        app.router.add_post("/cgi-bin/webhook/send", self.wecom)
        app.router.add_post("/open-apis/bot/v2/hook/{hook}", self.feishu)
        app.router.add_post("/hook", self.webhook)
        return app

    def of(self, robot: str) -> list[Got]:
        return [g for g in self.got if g.robot == robot]

    async def _take(self, robot: str, request: web.Request) -> tuple[Got, Answer | None]:
        raw = await request.read()
        got = Got(
            robot=robot,
            query={k: v[0] for k, v in parse_qs(request.rel_url.raw_query_string).items()},
            raw_query=request.rel_url.raw_query_string,
            headers=dict(request.headers),
            raw=raw,
            body=json.loads(raw.decode("utf-8")),  # strict UTF-8: a bad byte fails the test
        )
        self.got.append(got)
        queued = self.script.get(robot)
        answer = queued.pop(0) if queued else None
        got.answer = answer
        if answer and answer.delay:
            await asyncio.sleep(answer.delay)
        return got, answer

    def _fresh(self, stamp: int) -> bool:
        return abs(self.now().timestamp() - stamp) <= WINDOW

    async def dingtalk(self, request: web.Request) -> web.Response:
        got, answer = await self._take("dingtalk", request)
        if answer:
            return answer.response()
        if got.query.get("access_token") != DING_TOKEN:
            return _json({"errcode": 300001, "errmsg": "token is not exist"})
        stamp = int(got.query.get("timestamp", "0"))
        expected = base64.b64encode(
            hmac.new(DING_SECRET.encode(), f"{stamp}\n{DING_SECRET}".encode(), "sha256").digest()
        ).decode()
        # The sign must arrive URL-encoded: a bare "+" would decode to a space.
        if not self._fresh(stamp // 1000) or got.query.get("sign") != expected:
            return _json({"errcode": 310000, "errmsg": "sign not match"})
        body = got.body
        md = body.get("markdown") or {}
        if body.get("msgtype") != "markdown" or not md.get("title") or not md.get("text"):
            return _json({"errcode": 40035, "errmsg": "缺少参数 json"})
        at = body.get("at") or {}
        mobiles, users = at.get("atMobiles", []), at.get("atUserIds", [])
        if not all(_strings(x) for x in (mobiles, users)):
            return _json({"errcode": 40035, "errmsg": "缺少参数 json"})
        # DingTalk @s a listed phone or userId only where "@id" is also in the text.
        got.mentioned = [x for x in [*mobiles, *users] if f"@{x}" in md["text"]]
        if at.get("isAtAll"):
            got.mentioned.append("all")
        return _json({"errcode": 0, "errmsg": "ok"})

    async def wecom(self, request: web.Request) -> web.Response:
        got, answer = await self._take("wecom", request)
        if answer:
            return answer.response()
        if got.query.get("key") != WECOM_KEY:
            return _json({"errcode": 93000, "errmsg": "invalid webhook url"})
        content = (got.body.get("markdown") or {}).get("content", "")
        if got.body.get("msgtype") != "markdown" or not content:
            return _json({"errcode": 44004, "errmsg": "empty content"})
        if len(content.encode()) > 4096:
            return _json({"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"})
        # Markdown @s by "<@userid>" in the content; mentioned_(mobile_)list is text-only.
        got.mentioned = WECOM_AT.findall(content)
        return _json({"errcode": 0, "errmsg": "ok"})

    async def feishu(self, request: web.Request) -> web.Response:
        got, answer = await self._take("feishu", request)
        if answer:
            return answer.response()
        if request.match_info["hook"] != FEISHU_HOOK:
            return _json(
                {
                    "code": 19001,
                    "msg": "param invalid: incoming webhook access token invalid",
                    "data": {},
                }
            )
        stamp = got.body.get("timestamp")
        if not isinstance(stamp, str) or not stamp.isdigit() or not self._fresh(int(stamp)):
            return _json(
                {
                    "code": 19021,
                    "msg": "sign match fail or timestamp is not within one hour from current time",
                    "data": {},
                }
            )
        key = f"{stamp}\n{FEISHU_SECRET}".encode()
        expected = base64.b64encode(hmac.new(key, b"", "sha256").digest()).decode()
        if got.body.get("sign") != expected:
            return _json(
                {
                    "code": 19021,
                    "msg": "sign match fail or timestamp is not within one hour from current time",
                    "data": {},
                }
            )
        card = got.body.get("card") or {}
        if got.body.get("msg_type") != "interactive" or "header" not in card:
            return _json({"code": 9499, "msg": "Bad Request", "data": {}})
        # A custom bot @s by open_id only, with <at id=ou_…></at> in lark_md text.
        texts = [e.get("text", {}) for e in card.get("elements", []) if e.get("tag") == "div"]
        marked = [t.get("content", "") for t in texts if t.get("tag") == "lark_md"]
        ids = [i for text in marked for i in FEISHU_AT.findall(text)]
        got.mentioned = [i for i in ids if i.startswith("ou_") or i == "all"]
        return _json({"code": 0, "msg": "success", "data": {}})

    async def webhook(self, request: web.Request) -> web.Response:
        got, answer = await self._take("webhook", request)
        if answer:
            return answer.response()
        mac = hmac.new(HOOK_SECRET.encode(), got.raw, hashlib.sha256).hexdigest()
        signed = request.headers.get("X-Tiexin-Signature", "")
        if not hmac.compare_digest(signed, "sha256=" + mac):
            return web.json_response({"error": "bad signature"}, status=401)
        if not request.headers.get("X-Tiexin-Timestamp", "").isdigit():
            return web.json_response({"error": "no timestamp"}, status=400)
        if not request.headers.get("Idempotency-Key"):
            return web.json_response({"error": "no idempotency key"}, status=400)
        people = got.body.get("to", [])
        if not isinstance(people, list) or not all(_person(p) for p in people):
            return web.json_response({"error": "bad to"}, status=400)
        got.mentioned = [p["name"] for p in people]
        return web.json_response({"ok": True})


WECOM_AT = re.compile(r"<@([^<>\s]+)>")
FEISHU_AT = re.compile(r"<at id=([^<>\s\"']+)></at>")
HANDLES = {"name", "display", "phone", "email", "dingtalk", "wecom", "feishu"}


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) and x for x in value)


def _person(value: Any) -> bool:
    """A `to` entry: a name, then only known handles, each a non-empty string."""
    return (
        isinstance(value, dict)
        and bool(value.get("name"))
        and set(value) <= HANDLES
        and all(isinstance(v, str) and v for v in value.values())
    )


def _json(body: dict[str, Any]) -> web.Response:
    """The robots answer HTTP 200 with the error in the body."""
    return web.Response(
        text=json.dumps(body, ensure_ascii=False), content_type="application/json", charset="utf-8"
    )
