"""Small fakes of our own interfaces (a clock, a connector) and builders for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from redis.asyncio import Redis

from connectors.base import Batch, ReplyReceipt
from connectors.errors import ConnectorError
from connectors.model import Author, Mention

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


class FakeClock:
    """A clock that moves only when the test says so."""

    def __init__(self, start: datetime = T0) -> None:
        self._now = start
        self._mono = 1000.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds


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
    """A Connector that returns or raises what the test queued up, recording cursors."""

    def __init__(self, name: str = "fake") -> None:
        self.name = name
        self.script: list[Batch | ConnectorError] = []
        self.cursors: list[str | None] = []

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
        raise NotImplementedError("replies are posted in a later issue")


async def entries(redis: Redis, key: str) -> list[tuple[str, dict[str, str]]]:
    """Return every entry of a stream, typed for tests."""
    return cast(list[tuple[str, dict[str, str]]], await redis.xrange(key))
