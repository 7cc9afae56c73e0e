"""Small fakes of our own interfaces (a clock, a connector) and builders for tests."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from redis.asyncio import Redis

from connectors.base import Batch, ReplyReceipt
from connectors.errors import ConnectorError
from connectors.model import Author, Mention
from responder.drafts.suggest import Job, Suggestion
from responder.drafts.understand_model import Installed
from responder.library.shelf import Ref
from responder.pipeline.worker import Scorer

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


class FakeClock:
    """A clock that moves only when the test says so.

    By default `sleep` moves the clock at once; with `blocking=True` a sleeper waits until
    `advance` moves the clock past its wake-up time, so tests can catch a task mid-sleep.
    """

    def __init__(self, start: datetime = T0, *, blocking: bool = False) -> None:
        self._now = start
        self._mono = 1000.0
        self.slept: list[float] = []
        self.blocking = blocking
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if not self.blocking:
            self.advance(seconds)
            return
        waiter = (self._mono + seconds, asyncio.get_running_loop().create_future())
        self._sleepers.append(waiter)
        try:
            await waiter[1]
        finally:
            self._sleepers.remove(waiter)

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds
        for wake_at, future in self._sleepers:
            if wake_at <= self._mono and not future.done():
                future.set_result(None)

    @property
    def sleeping(self) -> list[float]:
        """Return the time left of each sleeper still blocked, soonest first."""
        return sorted(wake - self._mono for wake, future in self._sleepers if not future.done())

    async def until_sleeping(self, count: int = 1) -> list[float]:
        """Let other tasks run until `count` of them block in sleep; return `sleeping`.

        It turns the event loop only (no real time passes), so it suits tasks that do no I/O.
        """
        for _ in range(1000):
            if len(self.sleeping) >= count:
                return self.sleeping
            await asyncio.sleep(0)
        raise AssertionError(f"expected {count} sleepers, have {self.sleeping}")


def mention(pid: str = "1", **changes: Any) -> Mention:
    """Build a mention; `changes` override any field."""
    base: dict[str, Any] = {
        "platform": "weibo",
        "account": "lanxing",
        "platform_id": pid,
        "author": Author(id="u1", name="小王", followers=12),
        "text": "X7 又卡了，烦死了",
        "created_at": T0,
        "kind": "mention",
        "thread_id": None,
    }
    base.update(changes)
    return Mention(**base)


class ScriptedConnector:
    """A Connector that returns or raises what the test queued up, recording cursors and
    the replies it was asked to post (`replies`: an error or None to post it)."""

    def __init__(self, name: str = "fake") -> None:
        self.name = name
        self.script: list[Batch | ConnectorError] = []
        self.cursors: list[str | None] = []
        self.replies: list[Exception | None] = []
        self.posted: list[tuple[str, str]] = []  # (platform id, text) of every call

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def fetch(self, cursor: str | None) -> Batch:
        self.cursors.append(cursor)
        step = self.script.pop(0)
        if isinstance(step, ConnectorError):
            raise step
        return step

    async def send_reply(self, mention: Mention, text: str) -> ReplyReceipt:
        self.posted.append((mention.platform_id, text))
        outcome = self.replies.pop(0) if self.replies else None
        if outcome is not None:
            raise outcome
        return ReplyReceipt(reply_id=f"r{len(self.posted)}", sent_at=T0)


async def entries(redis: Redis, key: str) -> list[tuple[str, dict[str, str]]]:
    """Return every entry of a stream, typed for tests."""
    return cast(list[tuple[str, dict[str, str]]], await redis.xrange(key))


class ChokingScorer:
    """Our scorer interface over the real pool, failing on a text with 💣 as a broken model
    would: a batch holding one fails, and so does that text alone."""

    def __init__(self, real: Scorer) -> None:
        self.real = real

    async def suggest(
        self,
        jobs: list[Job],
        ranking: Mapping[str, float] | None = None,
        model: Installed | None = None,
        library: Ref | None = None,
    ) -> list[Suggestion]:
        if any("💣" in job.text for job in jobs):
            raise ValueError("model choked" if len(jobs) == 1 else "batch failed")
        return await self.real.suggest(jobs, ranking, model, library)
