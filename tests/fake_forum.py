"""A small forum API for the http_json tests: mentions with cursor paging behind a bearer
token, a reply endpoint, our replies listed back (for `[reply.lookup]`), and injectable
failures. It records every request as received and every reply it took."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

TOKEN = "forum-s3cr3t-token"
CONFIG = """
[connectors.forum]
type = "http_json"
url = "{base}/api/mentions"
platform = "forum"
auth_env = "FORUM_TOKEN"
auth_value = "Bearer {token}"
items = "data.posts"
params = { limit = "2", order = "最新" }

[connectors.forum.fields]
id = "id"
text = "body"
author_id = "user.id"
author_name = "user.username"
followers = "user.followers"
verified = "user.staff"
created_at = "created"
thread = "topic_id"
parent = "reply_to"
url = "https://forum.example/t/{thread}/{id}"
kind = "comment"

[connectors.forum.cursor]
param = "after"
next = "meta.next"
more = "meta.has_more"
max_pages = 2

[connectors.forum.reply]
url = "{base}/api/topics/{thread}/replies"
body = '{"topic_id": "{thread:int}", "reply_to_post": "{id}", "raw": "{text}"}'
id = "reply.id"
success = "ok"
"""
PAGE = 2  # posts per page, so paging shows with a handful


def post(number: int, text: str = "", **changes: Any) -> dict[str, Any]:
    """A post as the forum sends it (ids are numbers, times have their offset)."""
    item: dict[str, Any] = {
        "id": number,
        "topic_id": 7,
        "reply_to": None,
        "body": text or f"@澜星 第{number}条：充电很快😀",
        "user": {"id": f"u{number}", "username": f"用户{number}", "followers": 10 * number},
        "created": f"2026-12-03T09:{number % 60:02d}:00+08:00",
    }
    item.update(changes)
    return item


@dataclass
class Seen:
    """One request as the forum received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Forum:
    posts: list[dict[str, Any]] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    # Failures to answer with, one per request, in order ("pass": answer this one normally):
    # "401", "403", "429", "429-text",
    # "500", "html", "404", "malformed", "shape", "hang", "refuse", "not-ok", and "hold":
    # take the reply, then answer nothing until `release` is set (a sender killed after
    # the forum accepted its reply; `accepted` is set once the reply is stored).
    failures: list[str] = field(default_factory=list)
    retry_after: str = "30"
    next_reply_id: int = 9001
    replies: list[dict[str, Any]] = field(default_factory=list)  # as the forum lists them
    accepted: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    _hold: bool = field(default=False, repr=False)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/mentions", self.mentions)
        app.router.add_post("/api/topics/{topic}/replies", self.reply)
        app.router.add_get("/api/topics/{topic}/replies", self.our_replies)
        app.on_shutdown.append(self._let_go)
        return app

    async def _let_go(self, app: web.Application) -> None:
        self.release.set()  # a held answer must not hold up the server's shutdown

    async def _record(self, request: web.Request) -> web.Response | None:
        body = await request.read()
        self.seen.append(
            Seen(request.method, request.path, dict(request.query), dict(request.headers), body)
        )
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"error": "invalid token"}, status=401)
        return await self._failure(self.failures.pop(0)) if self.failures else None

    async def _failure(self, kind: str) -> web.Response | None:
        if kind in ("pass", "hold"):
            self._hold = kind == "hold"
            return None
        if kind in ("401", "403", "404", "500"):
            return web.json_response({"error": kind}, status=int(kind))
        if kind == "429":
            headers = {"Retry-After": self.retry_after}
            return web.json_response({"error": "slow down"}, status=429, headers=headers)
        if kind == "429-text":
            headers = {"Retry-After": self.retry_after}
            return web.Response(text="Too Many Requests", status=429, headers=headers)
        if kind == "html":
            return web.Response(text="<html>502 Bad Gateway</html>", status=502)
        if kind == "malformed":
            return web.Response(text='{"data": {"posts": [', content_type="application/json")
        if kind == "shape":
            return web.json_response({"data": {"posts": {"oops": 1}}})
        if kind == "hang":
            await asyncio.sleep(1)  # longer than the client's 0.2 s timeout
            return web.json_response({})
        if kind == "refuse":
            return web.json_response({"error": "内容过长"}, status=422)
        if kind == "not-ok":
            return web.json_response({"ok": False, "error": "帖子已锁定"})
        raise AssertionError(f"unknown failure {kind}")

    async def mentions(self, request: web.Request) -> web.Response:
        failed = await self._record(request)
        if failed is not None:
            return failed
        query = dict(request.query)
        if request.method == "POST":
            query = json.loads(self.seen[-1].body or b"{}")
        after = int(query.get("after", 0))
        newer = [p for p in self.posts if isinstance(p, dict) and p.get("id", 0) > after]
        odd = [p for p in self.posts if not isinstance(p, dict)]  # a broken item, sent once
        page = newer[:PAGE] + odd
        self.posts = [p for p in self.posts if isinstance(p, dict)]
        last = newer[:PAGE][-1]["id"] if newer else None
        meta = {"next": None if last is None else str(last), "has_more": len(newer) > PAGE}
        return web.json_response({"data": {"posts": page}, "meta": meta})

    async def reply(self, request: web.Request) -> web.Response:
        self._hold = False
        failed = await self._record(request)
        if failed is not None:
            return failed
        reply_id, self.next_reply_id = self.next_reply_id, self.next_reply_id + 1
        body = json.loads(self.seen[-1].body or b"{}")
        topic = int(request.match_info["topic"])
        raw, to = body.get("raw"), body.get("reply_to_post")
        self.replies.append({"id": reply_id, "topic_id": topic, "reply_to_post": to, "raw": raw})
        if self._hold:
            self.accepted.set()
            await self.release.wait()
        return web.json_response({"ok": True, "reply": {"id": reply_id}})

    async def our_replies(self, request: web.Request) -> web.Response:
        """GET /api/topics/{topic}/replies?mine=1: the replies we posted there, newest first."""
        failed = await self._record(request)
        if failed is not None:
            return failed
        topic = int(request.match_info["topic"])
        mine = [r for r in reversed(self.replies) if r["topic_id"] == topic]
        return web.json_response({"data": {"replies": mine}})


def write_config(
    folder: Path, base: str, extra: str = "", swaps: dict[str, str] | None = None
) -> Path:
    """Write a config.toml for the forum at `base`, with `extra` lines and text swapped."""
    text = CONFIG.replace("{base}", base) + extra
    for old, new in (swaps or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@asynccontextmanager
async def running(forum: Forum) -> AsyncIterator[str]:
    """Serve the forum on 127.0.0.1, port 0; yield its base URL."""
    server = TestServer(forum.app(), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()
