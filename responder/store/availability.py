"""Whether Redis answers, judged by our own calls: the one place that says so.

Redis is down from the first call that cannot reach it (a connection error or a timeout)
and back at the first call that gets an answer; each change is logged once, the end with
the outage's length on the injected clock. A call only counts against the state it began
in: an answer to a call sent before the outage began does not end it, and a failure of a
call sent during an outage that has since ended does not start another.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import ClusterDownError, RedisClusterUnreachableError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from responder.clock import Clock

log = logging.getLogger(__name__)

# Redis cannot be reached (down, restarting, loading, a dropped connection, no answer in
# time). BusyLoadingError is a ConnectionError. Refusals (READONLY, OOM) are answers.
# A cluster that lost a master's slots answers CLUSTERDOWN: for us, Redis is down.
# A cluster none of whose nodes answers (all restarting) is unreachable too.
REDIS_AWAY = (
    RedisConnectionError,
    RedisTimeoutError,
    ClusterDownError,
    RedisClusterUnreachableError,
)
UNREACHABLE = (*REDIS_AWAY, OSError, TimeoutError)


class Availability:
    """Track Redis availability from the outcome of every call made through `WatchedRedis`."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.down_since: datetime | None = None
        self.last_error = ""
        self._down_at = 0.0  # clock.monotonic() of the first failing call
        self._generation = 0  # moves at each change of state

    @property
    def ok(self) -> bool:
        return self.down_since is None

    @property
    def generation(self) -> int:
        """Stamp a call with this when it begins; pass it back with its outcome."""
        return self._generation

    def failed(self, exc: BaseException, generation: int | None = None) -> None:
        """A call (begun at `generation`; None: just now) could not reach Redis."""
        if generation is not None and generation != self._generation:
            return  # begun before the last change: it says nothing about now
        self.last_error = _describe(exc)
        if self.down_since is not None:
            return
        self._generation += 1
        self.down_since, self._down_at = self.clock.now(), self.clock.monotonic()
        log.error(
            "Redis is unavailable (%s); answering 503 and retrying until it answers again",
            self.last_error,
            extra={"event": "redis_down", "error": self.last_error},
        )

    def answered(self, generation: int | None = None) -> None:
        """A call (begun at `generation`; None: just now) got an answer from Redis."""
        if self.down_since is None:
            return
        if generation is not None and generation != self._generation:
            return  # sent before the outage began: no proof Redis is back
        down_for = self.down_for()
        self._generation += 1
        self.down_since, self.last_error = None, ""
        log.warning(
            "Redis is available again after %.2fs",
            down_for,
            extra={"event": "redis_recovered", "down_s": round(down_for, 3)},
        )

    def down_for(self) -> float:
        """Return the seconds since the first failing call of the outage (0 when up)."""
        if self.down_since is None:
            return 0.0
        return max(0.0, self.clock.monotonic() - self._down_at)

    def to_json(self) -> dict[str, object]:
        if self.down_since is None:
            return {"state": "ok"}
        return {"state": "down", "since": self.down_since.isoformat(), "error": self.last_error}


class WatchedRedis(Redis):
    """A Redis client that reports each call's outcome to an `Availability`."""

    availability: Availability | None = None

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        watch = self.availability
        if watch is None:
            return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        generation = watch.generation
        try:
            result = await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        except UNREACHABLE as exc:
            watch.failed(exc, generation)
            raise
        watch.answered(generation)
        return result

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> Pipeline:
        pool, callbacks = self.connection_pool, self.response_callbacks
        pipe = _WatchedPipeline(pool, callbacks, transaction, shard_hint)
        pipe.availability = self.availability
        return pipe


class _WatchedPipeline(Pipeline):
    availability: Availability | None = None

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        watch = self.availability
        if watch is None:
            return await super().execute(raise_on_error)
        generation = watch.generation
        try:
            result = await super().execute(raise_on_error)
        except UNREACHABLE as exc:
            watch.failed(exc, generation)
            raise
        watch.answered(generation)
        return result


def watched(url: str, availability: Availability) -> WatchedRedis:
    """Open a client on `url` (decoded responses) that reports to `availability`."""
    client = WatchedRedis.from_url(url, decode_responses=True)
    assert isinstance(client, WatchedRedis)  # from_url builds the class it is called on
    client.availability = availability
    return client


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]
