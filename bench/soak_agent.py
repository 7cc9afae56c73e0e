"""The soak's agent: approves a share of the mentions through the API (Bearer token), some
at two processes at once, and approves again the replies an interrupted send left failed."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.soak_config import CONNECTOR, PLATFORM, TOKEN
from bench.soak_fakes import Forum
from responder.store.keys import mention_id

FALLBACK = "收到啦，我们马上帮你看看，稍等一下哈"
ATTEMPTS = 20  # tries per approval (not queued yet, process down); then it is given up
RETRY_S = 2.0
MAX_AGAIN = 3  # approvals of one failed mention at most
IN_FLIGHT = 8


@dataclass
class AgentStats:
    approved: int = 0
    dual: int = 0  # approvals sent to two processes at once
    dual_both_won: int = 0  # both answered 200: two approvals of one mention
    reapproved: int = 0  # failed mentions approved again
    resend_asked: int = 0  # ...where the server asked for "resend": true first
    resend_sent: int = 0
    resend_declined: int = 0  # ...where the agent found the reply on the forum: not resent
    refused: Counter[int] = field(default_factory=Counter)  # status: count (409, 422...)
    server_errors: int = 0  # 500 answers
    unavailable: int = 0  # 503 answers (Redis was down)
    unreachable: int = 0  # connection refused or timed out (a killed process)
    gave_up: int = 0
    errors: int = 0  # the agent's own failures


class Agent:
    def __init__(
        self,
        forum: Forum,
        ports: Callable[[], list[int]],
        *,
        share: float,
        dual_share: float,
        ages: tuple[float, float],
        rng: random.Random,
    ) -> None:
        self.forum, self.ports, self.share, self.dual_share = forum, ports, share, dual_share
        self.ages, self.rng = ages, rng
        self.stats = AgentStats()
        self._seen = 0  # posts decided so far
        self._due: list[tuple[float, str]] = []  # (approve at, mention id)
        self._again: Counter[str] = Counter()
        self._slots = asyncio.Semaphore(IN_FLIGHT)
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set and every approval planned by then was made."""
        timeout = aiohttp.ClientTimeout(total=5)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as http:
            last_failed = 0.0
            while not (stop.is_set() and not self._due):
                self._decide()
                now = time.time()
                while self._due and self._due[0][0] <= now:
                    _, mid = self._due.pop(0)
                    self._spawn(self._approve(http, mid))
                if now - last_failed >= 3.0:
                    last_failed = now
                    self._spawn(self._approve_failed(http))
                await asyncio.sleep(0.5)
            if self._tasks:
                await asyncio.wait(self._tasks, timeout=15)
            for task in self._tasks:
                task.cancel()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(self._guarded(coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, coro: Any) -> None:
        try:
            await coro
        except Exception as exc:  # a bug of the soak's own: counted and shown, not hidden
            self.stats.errors += 1
            if self.stats.errors <= 3:
                print(f"  agent error: {exc!r}", flush=True)

    def _decide(self) -> None:
        """Choose, once per new post, whether and when (its age) to approve it."""
        posts = self.forum.posts
        for post in posts[self._seen :]:
            if self.rng.random() < self.share:
                at = post.created + self.rng.uniform(*self.ages)
                self._due.append((at, mention_id(PLATFORM, CONNECTOR, str(post.id))))
        self._seen = len(posts)
        self._due.sort()

    async def _call(
        self, http: aiohttp.ClientSession, port: int, method: str, path: str, body: Any = None
    ) -> tuple[int, Any]:
        """One request; (0, None) when the process does not answer."""
        url = f"http://127.0.0.1:{port}{path}"
        async with self._slots:
            try:
                async with http.request(method, url, json=body) as resp:
                    text = await resp.text()
                    status = resp.status
            except (aiohttp.ClientError, TimeoutError):
                self.stats.unreachable += 1
                return 0, None
        if status == 503:
            self.stats.unavailable += 1
        elif status >= 500:
            self.stats.server_errors += 1
        try:
            return status, json.loads(text)
        except ValueError:
            return status, None

    async def _post_approval(
        self, http: aiohttp.ClientSession, port: int, mid: str, extra: dict[str, Any]
    ) -> tuple[int, Any]:
        path = f"/api/mentions/{mid}/approve"
        status, answer = await self._call(http, port, "POST", path, {"draft": 0, **extra})
        if status in (400, 422) and "resend" not in json.dumps(answer):
            # no drafts, or the style check: send a hand-written reply instead
            body = {"text": FALLBACK, "override": True, "override_reason": "soak", **extra}
            status, answer = await self._call(http, port, "POST", path, body)
        return status, answer

    async def _approve(self, http: aiohttp.ClientSession, mid: str) -> None:
        for _ in range(ATTEMPTS):
            ports = self.ports()
            if not ports:
                await asyncio.sleep(RETRY_S)
                continue
            if self.rng.random() < self.dual_share:
                # At two processes when there are two; else twice at once at the one (the
                # soak's --roles has a single web process).
                a, b = self.rng.sample(ports, 2) if len(ports) >= 2 else (ports[0], ports[0])
                results = list(
                    await asyncio.gather(
                        self._post_approval(http, a, mid, {}), self._post_approval(http, b, mid, {})
                    )
                )
            else:
                results = [await self._post_approval(http, self.rng.choice(ports), mid, {})]
            statuses = [s for s, _ in results]
            # `again`: the same approval already counted (answered as the first: not a second)
            won = sum(1 for s, a in results if s == 200 and not (a or {}).get("again"))
            if len(statuses) == 2 and 404 not in statuses and 0 not in statuses:
                self.stats.dual += 1
                self.stats.dual_both_won += won == 2
            if 200 in statuses:
                self.stats.approved += 1
                return
            if all(s in (0, 404) or s >= 500 for s in statuses):
                await asyncio.sleep(RETRY_S)  # not queued yet, or that process is down
                continue
            for s in statuses:
                self.stats.refused[s] += 1
            return
        self.stats.gave_up += 1

    async def _approve_failed(self, http: aiohttp.ClientSession) -> None:
        """Approve again what came back failed (an interrupted send: outcome unknown). When
        the server asks to confirm a resend, look on the forum first, as the page tells a
        person to, and confirm with "resend": true only if the reply is not there."""
        ports = self.ports()
        if not ports:
            return
        port = self.rng.choice(ports)
        status, answer = await self._call(http, port, "GET", "/api/queue?state=failed&limit=100")
        if status != 200 or not isinstance(answer, dict):
            return
        for item in answer.get("items", []):
            mid = str(item.get("id"))
            if self._again[mid] >= MAX_AGAIN:
                continue
            self._again[mid] += 1
            status, reply = await self._post_approval(http, port, mid, {})
            if status in (409, 428) or (400 <= status < 500 and "resend" in json.dumps(reply)):
                self.stats.resend_asked += 1
                post = str(item.get("platform_id"))
                if any(r.post == post for r in self.forum.replies):  # looked on the platform
                    self.stats.resend_declined += 1
                    self._again[mid] = MAX_AGAIN
                    continue
                status, reply = await self._post_approval(http, port, mid, {"resend": True})
                self.stats.resend_sent += status == 200
            if status == 200:
                self.stats.reapproved += 1
            elif status:
                self.stats.refused[status] += 1
