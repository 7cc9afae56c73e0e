"""The poller: owns a connector's schedule state, retries, health and cursor."""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from connectors.base import Connector
from connectors.errors import AuthFailed, BadPayload, ConnectorError, RateLimited, Unavailable
from responder.backoff import Backoff
from responder.clock import Clock
from responder.store.store import Store

log = logging.getLogger(__name__)


class Health(StrEnum):
    OK = "ok"
    DOWN = "down"  # unavailable or answering garbage; retried with backoff
    RATE_LIMITED = "rate_limited"
    AUTH_FAILED = "auth_failed"  # stopped until a human fixes the credentials


class Poller:
    """Fetch from one connector; hand mentions on before the cursor moves."""

    def __init__(
        self, connector: Connector, store: Store, clock: Clock, *, backoff: Backoff | None = None
    ) -> None:
        self.connector = connector
        self.store = store
        self.clock = clock
        self.backoff = backoff or Backoff()
        self.health = Health.OK
        self.failures = 0
        self._resume_at = 0.0  # monotonic time before which run_once does nothing

    @property
    def name(self) -> str:
        return self.connector.name

    async def run_once(self) -> int:
        """Poll once unless waiting out a backoff; return how many mentions were handed on."""
        if self.health is Health.AUTH_FAILED or self.clock.monotonic() < self._resume_at:
            return 0
        cursor = await self.store.cursor(self.name)
        try:
            batch = await self.connector.fetch(cursor)
        except ConnectorError as exc:
            await self._failed(exc)
            return 0
        now = self.clock.now()
        await self.store.ingest(self.name, batch.mentions, batch.cursor, now)
        for bad in batch.rejected:
            await self.store.reject(self.name, str(bad), bad.raw, now)
        await self._succeeded(now)
        return len(batch.mentions)

    async def _succeeded(self, now: datetime) -> None:
        if self.health is not Health.OK:
            log.info(
                "%s recovered after %d failed polls",
                self.name,
                self.failures,
                extra={"event": "source_recovered", "source": self.name},
            )
        self.health, self.failures = Health.OK, 0
        self.backoff.reset()
        await self.store.set_health(
            self.name,
            {
                "state": str(Health.OK),
                "last_success": f"{now.timestamp():.3f}",
                "failures": 0,
            },
        )

    async def _failed(self, exc: ConnectorError) -> None:
        self.failures += 1
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
        now = self.clock.now()
        await self.store.set_health(
            self.name,
            {
                "state": str(state),
                "last_error": str(exc)[:500],
                "last_error_at": f"{now.timestamp():.3f}",
                "failures": self.failures,
            },
        )
