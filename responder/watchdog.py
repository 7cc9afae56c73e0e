"""The embedded Redis watchdog: restart a dead server from its AOF, or give up loudly.

The outage itself (its start, its end and its length) is Availability's to say: a dead
server starts it if no call has yet, and the first answer after the restart ends it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from responder.backoff import Backoff, BackoffPolicy
from responder.store.availability import Availability
from responder.store.embedded import EmbeddedRedis
from responder.supervisor import Supervisor

log = logging.getLogger(__name__)

RETRY = BackoffPolicy(initial=0.5, factor=2.0, maximum=4.0, jitter=0.1)


class RedisWatchdog:
    """Check the embedded server each `interval`; heal it, or make the process exit."""

    def __init__(
        self,
        server: EmbeddedRedis,
        supervisor: Supervisor,
        availability: Availability,
        *,
        ping: Callable[[], Awaitable[object]] | None = None,
        interval: float = 0.25,
        tries: int = 3,
        policy: BackoffPolicy = RETRY,
    ) -> None:
        self.server = server
        self.supervisor = supervisor
        self.availability = availability
        self.ping = ping  # a call through the watched client: its answer ends the outage
        self.interval = interval
        self.tries = tries
        self.policy = policy
        self.down_since: datetime | None = None
        self._down_at = 0.0  # clock.monotonic() of the outage's first failing call
        self.last_error = ""

    @property
    def ok(self) -> bool:
        return self.down_since is None

    def to_json(self) -> dict[str, object]:
        if self.down_since is None:
            return {"state": "ok"}
        return {
            "state": "restarting",
            "since": self.down_since.isoformat(),
            "last_error": self.last_error,
        }

    async def step(self) -> float:
        """Check once (a supervised loop step); return the wait before the next check."""
        if not await asyncio.to_thread(self.server.alive):
            await self._heal()
        return self.interval

    async def _heal(self) -> None:
        clock, redis = self.supervisor.clock, self.availability
        redis.failed(RuntimeError("the embedded redis-server exited"))
        # Down since the first failing call, or since now if the server died unnoticed.
        self.down_since, self.last_error = redis.down_since or clock.now(), "redis-server exited"
        self._down_at = clock.monotonic() - redis.down_for()
        backoff = Backoff(self.policy)
        for attempt in range(1, self.tries + 1):
            try:
                # Blocking (spawn, wait for the AOF to load): off the event loop.
                await asyncio.to_thread(self.server.restart)
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"[:500]
                if attempt < self.tries and await self.supervisor.sleep(backoff.next()):
                    return
                continue
            down_for = clock.monotonic() - self._down_at
            self.down_since = None
            log.warning(
                "embedded Redis restarted from its AOF (pid %s, down %.2fs)",
                self.server.pid,
                down_for,
                extra={
                    "event": "redis_restarted",
                    "data_dir": str(self.server.data_dir),
                    "down_s": round(down_for, 3),
                },
            )
            await self._probe()
            return
        self.supervisor.fatal(
            f"the embedded Redis in {self.server.data_dir} died and could not be restarted"
            f" ({self.tries} tries; last error: {self.last_error}); see"
            f" {self.server.data_dir / 'redis.log'}"
        )

    async def _probe(self) -> None:
        """Ask the restarted server once, so the outage ends now, not at the next call."""
        if self.ping is None:
            return
        try:
            await self.ping()
        except Exception as exc:  # Availability has it; the next check looks again
            log.debug("the restarted Redis did not answer yet: %s", exc)
