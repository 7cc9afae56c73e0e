"""The embedded Redis watchdog: restart a dead server from its AOF, or give up loudly."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from responder.backoff import Backoff, BackoffPolicy
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
        *,
        interval: float = 0.25,
        tries: int = 3,
        policy: BackoffPolicy = RETRY,
    ) -> None:
        self.server = server
        self.supervisor = supervisor
        self.interval = interval
        self.tries = tries
        self.policy = policy
        self.down_since: datetime | None = None
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
        clock = self.supervisor.clock
        self.down_since, self.last_error = clock.now(), "redis-server exited"
        log.error(
            "embedded Redis died; restarting it from its AOF",
            extra={"event": "redis_down", "data_dir": str(self.server.data_dir)},
        )
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
            down_for = (clock.now() - self.down_since).total_seconds()
            self.down_since = None
            log.warning(
                "embedded Redis is back, restarted from its AOF (pid %s, down %.2fs)",
                self.server.pid,
                down_for,
                extra={"event": "redis_recovered", "data_dir": str(self.server.data_dir)},
            )
            return
        self.supervisor.fatal(
            f"the embedded Redis in {self.server.data_dir} died and could not be restarted"
            f" ({self.tries} tries; last error: {self.last_error}); see"
            f" {self.server.data_dir / 'redis.log'}"
        )
