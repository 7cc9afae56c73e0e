"""The poller: owns a connector's schedule state, retries, lease, health and cursor."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime

from redis.exceptions import RedisError

from connectors.base import Connector
from connectors.errors import AuthFailed, BadPayload, ConnectorError, RateLimited, Unavailable
from responder.backoff import Backoff, BackoffPolicy
from responder.clock import Clock
from responder.ingest.lease import Leases, LeaseTiming
from responder.store.availability import UNREACHABLE
from responder.store.source_health import HEALTHY, SourceHealth, failure_fields, ok_fields
from responder.store.source_health import Health as Health
from responder.store.store import Store

log = logging.getLogger(__name__)
# Our own side failing (Redis away, a bug) is retried soon: the platform is not to blame.
OWN_RETRY = BackoffPolicy(initial=0.5, factor=2.0, maximum=5.0, jitter=0.2)
MAX_KEEP_WAIT = 60.0  # seconds between rounds of lease renewal with no poller at all


class Poller:
    """Fetch from one connector; hand mentions on before the cursor moves."""

    def __init__(
        self,
        connector: Connector,
        store: Store,
        clock: Clock,
        *,
        backoff: Backoff | None = None,
        leases: Leases | None = None,
        interval: float = 60.0,
    ) -> None:
        self.connector = connector
        self.store = store
        self.clock = clock
        self.backoff = backoff or Backoff()
        self.leases = leases  # None: this process is the only poller
        self.timing = LeaseTiming(interval=interval)  # `interval`: the poll job's period
        self.sources = SourceHealth(store.redis, store.keys)
        self.own_retry = Backoff(OWN_RETRY)
        self.health = Health.OK
        self.failures = 0
        self._redis_only = False  # the failures were Redis away: the outage's own lines say so
        self.holds = False  # whether this process holds the lease (as of its last look)
        self._taken_at = float("-inf")  # monotonic time of our last take or renewal
        self.started = clock.now().timestamp()  # a stall is judged from no earlier than this
        self._resume_at = 0.0  # monotonic time before which run_once does nothing

    @property
    def name(self) -> str:
        return self.connector.name

    @property
    def ok(self) -> bool:
        """Say whether this source is healthy (a rate limit is the platform's normal pacing)."""
        return self.health in HEALTHY

    async def run_once(self) -> int:
        """Poll once unless waiting out a backoff; return how many mentions were handed on.

        Never raises: every failure becomes health and at most one log line per outage.
        """
        if self.health is Health.AUTH_FAILED or self.clock.monotonic() < self._resume_at:
            return 0
        try:
            return await self._poll()
        except ConnectorError as exc:
            await self._failed(exc)
        except Exception as exc:
            await self._errored(exc)
        return 0

    async def _poll(self) -> int:
        if self.leases is not None and not await self._may_poll():
            return 0
        cursor = await self.store.cursor(self.name)
        batch = await self.connector.fetch(cursor)
        if self.leases is not None and not await self._still_ours():
            return 0  # another process took over while we fetched: it polls from the cursor
        now = self.clock.now()
        await self.store.ingest(self.name, batch.mentions, batch.cursor, now)
        for bad in batch.rejected:
            await self.store.reject(self.name, str(bad), bad.raw, now)
        await self._succeeded(now)
        return len(batch.mentions)

    async def _may_poll(self) -> bool:
        """Wait out a rate limit any process was told of; poll only under our lease."""
        assert self.leases is not None
        wait = await self.leases.held_back(self.name)
        if wait > 0:
            self._resume_at = self.clock.monotonic() + wait
            return False
        if not await self._take():
            self.health = Health.STANDBY  # the holder reports this source's health
            return False
        return True

    async def keep(self) -> float:
        """Renew our lease, also while a poll runs (so a poll slower than the lease's TTL
        keeps it); return the seconds until the next renewal. Never raises: a renewal that
        fails for Redis is tried again next time, and the poller reports Redis trouble."""
        if self.leases is not None and self.holds:
            with contextlib.suppress(RedisError, OSError):
                if not await self._take():
                    self.health = Health.STANDBY
        return self.timing.renew_every

    async def _take(self) -> bool:
        """Take or renew the lease; log once when it changes hands."""
        assert self.leases is not None
        now, was = self.clock.now().timestamp(), self.health
        held, self.holds = self.holds, await self.leases.take(self.name, now, self.timing.ttl)
        if self.holds:
            self._taken_at = self.clock.monotonic()
        if self.holds != held:
            event = "lease_taken" if self.holds else "lease_lost"
            text = "%s: polled by this process now" if self.holds else "%s: lease lost"
            # Taking over from another process is news; the first take after a start is not.
            news = not self.holds or was is Health.STANDBY
            level = (logging.WARNING if not self.holds else logging.INFO) if news else logging.DEBUG
            log.log(level, text, self.name, extra={"event": event, "source": self.name})
        return self.holds

    async def _still_ours(self) -> bool:
        """Before a fetched batch is written: if another process took the lease meanwhile
        (ours lapsed: Redis or this process stalled), drop the batch, as the cursor has not
        moved. A lease taken or renewed less than half a TTL ago cannot have lapsed (with
        clocks synced within half a TTL), so a quick poll asks Redis nothing more. A
        takeover between this check and the write polls twice at worst, and a mention
        polled twice is queued once."""
        if self.clock.monotonic() - self._taken_at < self.timing.ttl / 2 or await self._take():
            return True
        self.health = Health.STANDBY
        return False

    async def release(self) -> None:
        """Give up the lease (on a clean stop), so another process takes over at once."""
        if self.leases is not None:
            with contextlib.suppress(RedisError):
                await self.leases.release(self.name)
            self.holds = False

    async def _succeeded(self, now: datetime) -> None:
        if self.health not in (Health.OK, Health.STANDBY):  # a takeover logs lease_taken
            log.log(
                logging.DEBUG if self._redis_only else logging.INFO,
                "%s recovered after %d failed polls",
                self.name,
                self.failures,
                extra={"event": "source_recovered", "source": self.name},
            )
        self.health, self.failures, self._redis_only = Health.OK, 0, False
        self.backoff.reset()
        self.own_retry.reset()
        await self._write(ok_fields(now, next_poll=self._next_poll(0.0), by=self._owner))

    async def _failed(self, exc: ConnectorError) -> None:
        self.failures += 1
        self._redis_only = False
        if isinstance(exc, AuthFailed):
            state, wait = Health.AUTH_FAILED, 0.0
        elif isinstance(exc, RateLimited):
            state, wait = Health.RATE_LIMITED, exc.retry_after
        else:
            assert isinstance(exc, Unavailable | BadPayload | ConnectorError)
            state, wait = Health.DOWN, self.backoff.next()
        if state is not self.health:  # log once per change of state, never once per poll
            level = logging.ERROR if state is Health.AUTH_FAILED else logging.WARNING
            log.log(
                level,
                "%s is %s: %s",
                self.name,
                state,
                exc,
                extra={"event": "source_down", "source": self.name, "state": str(state)},
            )
        self.health = state
        self._resume_at = self.clock.monotonic() + wait
        with contextlib.suppress(RedisError):
            if isinstance(exc, BadPayload):  # kept with its raw body; polling goes on
                await self.store.reject(self.name, str(exc), exc.raw, self.clock.now())
            if isinstance(exc, RateLimited) and self.leases is not None:
                await self.leases.hold_back(self.name, wait)
        await self._record(state, str(exc), None if state is Health.AUTH_FAILED else wait)

    async def _errored(self, exc: Exception) -> None:
        """Handle a failure on our side: Redis away, or a bug (logged with its traceback)."""
        self.failures += 1
        if self.health is not Health.ERROR:  # once per outage, never once per poll
            extra = {"event": "source_down", "source": self.name, "state": str(Health.ERROR)}
            if isinstance(exc, UNREACHABLE):
                # Redis away: store/availability.py logs the outage once for every part.
                self._redis_only = True
                log.debug("%s cannot poll, will retry: %s", self.name, exc, extra=extra)
            else:
                self._redis_only = False
                log.error("%s poll failed", self.name, exc_info=exc, extra=extra)
        self.health = Health.ERROR
        wait = self.own_retry.next()
        self._resume_at = self.clock.monotonic() + wait
        await self._record(Health.ERROR, f"{type(exc).__name__}: {exc}", wait)

    async def _record(self, state: Health, error: str, wait: float | None) -> None:
        """Record a failure; `wait` None: no poll is planned (until a person fixes it)."""
        planned = None if wait is None else self._next_poll(wait)
        fields = failure_fields(
            state, error, self.clock.now(), self.failures, next_poll=planned, by=self._owner
        )
        await self._write(fields)

    def _next_poll(self, wait: float) -> float:
        """When this process means to poll next: the next tick after `wait` seconds."""
        return self.clock.now().timestamp() + max(self.timing.interval, wait)

    @property
    def _owner(self) -> str | None:
        return None if self.leases is None else self.leases.owner

    async def _write(self, fields: dict[str, str | int]) -> None:
        # Redis may be away; then `health` on this object is what /api/health shows.
        with contextlib.suppress(RedisError):
            await self.sources.write(self.name, fields)


async def keep_leases(pollers: Sequence[Poller]) -> float:
    """Renew every lease this process holds; return the seconds until the next round."""
    waits = [await poller.keep() for poller in pollers]
    return min(waits, default=MAX_KEEP_WAIT)
