"""The soak's outside world on loopback: a forum that writes mentions and takes replies
(what `http_json` polls and posts to), and a webhook that records every page."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

# What people write: everyday complaints and questions, no crisis words (a crisis pages at
# once, outside the timed stages this soak counts).
TEXTS = (
    "X7 又卡了，烦死了",
    "充电口好像坏了，插上没反应，怎么办？",
    "新买的耳机左边没声音",
    "快递三天了还没到，能查一下吗",
    "系统更新以后电池掉得好快",
    "屏幕有一条绿线，保修吗？",
    "客服电话一直占线，急",
    "拍照有点糊，是设置的问题吗",
    "手表的心率不准，跑步时差很多",
    "你们家的新款什么时候到货呀",
)
BURST_S = 30.0  # each minute: this long at twice the rate, then a trickle (so some page alone)
TRICKLE_EVERY_S = 12.0  # one mention this often during the trickle


@dataclass(frozen=True, slots=True)
class Post:
    id: int
    created: float  # epoch seconds, as stamped on the post


@dataclass(frozen=True, slots=True)
class Reply:
    id: int
    post: str
    text: str
    at: float


@dataclass(frozen=True, slots=True)
class Delivered:
    """One page as the webhook received it."""

    key: str
    idempotency: str
    severity: str
    at: float
    title: str


@dataclass
class Forum:
    """Mentions on a cursor-paged list endpoint, replies recorded before they are answered."""

    rate: float  # mentions per second on average
    reply_delay: float  # seconds between recording a reply and answering (a kill lands here)
    rng: random.Random
    posts: list[Post] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    answering: Counter[str] = field(default_factory=Counter)  # post: replies taken, unanswered
    producing: bool = False
    started: float = 0.0
    stopped: float = 0.0

    async def produce(self, seconds: float) -> None:
        """Write mentions for `seconds`: bursts at twice `rate`, then a trickle, each minute."""
        self.producing, self.started = True, time.time()
        end = time.monotonic() + seconds
        next_trickle = 0.0
        try:
            while (now := time.monotonic()) < end:
                phase = (time.time() - self.started) % 60.0
                if phase < BURST_S:
                    self._post()
                    await asyncio.sleep(1.0 / (2 * self.rate))
                    continue
                if now >= next_trickle:
                    self._post()
                    next_trickle = now + TRICKLE_EVERY_S
                await asyncio.sleep(0.2)
        finally:
            self.producing, self.stopped = False, time.time()

    def _post(self) -> None:
        self.posts.append(Post(id=len(self.posts) + 1, created=time.time()))

    def item(self, post: Post) -> dict[str, Any]:
        n = post.id
        return {
            "id": n,
            "body": f"{TEXTS[n % len(TEXTS)]}（#{n}）",
            "user": {"id": f"u{n}", "name": f"用户{n}", "followers": (n * 37) % 5000},
            "created": datetime.fromtimestamp(post.created, UTC).isoformat(),
        }

    async def list_posts(self, request: web.Request) -> web.Response:
        after = int(request.query.get("after") or 0)
        limit = max(1, min(500, int(request.query.get("limit") or 100)))
        page = self.posts[after : after + limit]  # ids are 1.. in order: id n is posts[n-1]
        last = page[-1].id if page else after
        more = last < len(self.posts)
        body = {"data": {"posts": [self.item(p) for p in page]}}
        return web.json_response({**body, "meta": {"next": str(last), "has_more": more}})

    async def reply(self, request: web.Request) -> web.Response:
        body = await request.json()
        post = request.match_info["id"]
        rid = len(self.replies) + 1
        self.replies.append(Reply(id=rid, post=post, text=str(body.get("raw")), at=time.time()))
        self.answering[post] += 1
        try:
            await asyncio.sleep(self.reply_delay * self.rng.uniform(0.5, 1.5))
        finally:
            self.answering[post] -= 1
        return web.json_response({"ok": True, "reply": {"id": rid}})

    async def lookup(self, request: web.Request) -> web.Response:
        parent = request.query.get("parent", "")
        found = [r for r in self.replies if r.post == parent]
        items = [{"id": r.id, "text": r.text, "parent": r.post} for r in found]
        return web.json_response({"replies": items})


@dataclass
class Hook:
    """A signed webhook receiver: verifies each page and records it."""

    secret: str
    pages: list[Delivered] = field(default_factory=list)
    refused: int = 0

    async def receive(self, request: web.Request) -> web.Response:
        raw = await request.read()
        mac = "sha256=" + hmac.new(self.secret.encode(), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("X-Tiexin-Signature", ""), mac):
            self.refused += 1
            return web.json_response({"error": "bad signature"}, status=401)
        body = json.loads(raw)
        self.pages.append(
            Delivered(
                key=str(body.get("key", "")),
                idempotency=request.headers.get("Idempotency-Key", ""),
                severity=str(body.get("severity", "")),
                at=time.time(),
                title=str(body.get("title", "")),
            )
        )
        return web.json_response({"ok": True})


async def serve(forum: Forum, hook: Hook) -> tuple[web.AppRunner, int]:
    """Serve both on one loopback port (0: any free one); return the runner and port."""
    app = web.Application()
    app.router.add_get("/api/mentions", forum.list_posts)
    app.router.add_post("/api/posts/{id}/replies", forum.reply)
    app.router.add_get("/api/replies", forum.lookup)
    app.router.add_post("/hook", hook.receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, int(runner.addresses[0][1])
