"""Try channels in order until one takes the page; keep each channel's health."""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from responder.alerts.channels.page import (
    Channel,
    ChannelError,
    Definite,
    Delivery,
    Page,
    Transient,
)
from responder.backoff import Backoff, BackoffPolicy
from responder.clock import Clock
from responder.metrics import Metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How hard to try one channel before the next: `attempts` sends in all, waiting by
    `backoff` (or what a rate limit said, capped at `backoff.maximum`) in between."""

    attempts: int = 3
    backoff: BackoffPolicy = field(
        default_factory=lambda: BackoffPolicy(initial=1.0, factor=2.0, maximum=30.0, jitter=0.1)
    )

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelHealth:
    """What /api/health shows for a channel: its last success and last failure."""

    name: str
    last_success: datetime | None = None
    last_failure: datetime | None = None
    last_reason: str = ""  # never holds a secret: channels scrub their messages

    @property
    def ok(self) -> bool:
        """True unless the last attempt failed."""
        if self.last_failure is None:
            return True
        return self.last_success is not None and self.last_success >= self.last_failure

    def as_dict(self) -> dict[str, str | None]:
        """JSON-ready, for /api/health."""

        def iso(when: datetime | None) -> str | None:
            return when.isoformat() if when else None

        return {
            "name": self.name,
            "state": "ok" if self.ok else "failing",
            "last_success": iso(self.last_success),
            "last_failure": iso(self.last_failure),
            "last_reason": self.last_reason,
        }


class AllFailed(Definite):
    """No channel took the page; `reasons` says why, channel by channel."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("no channel took the page: " + "; ".join(reasons))
        self.reasons = tuple(reasons)


class Fallback:
    """Send a page to the first channel that accepts it.

    A definite failure moves on at once; a transient one retries the same channel under
    the policy, then moves on. Sleeps go through the injected clock, so tests run instantly.
    """

    def __init__(
        self,
        channels: Sequence[Channel],
        *,
        clock: Clock,
        policy: RetryPolicy | None = None,
        rng: random.Random | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        if not channels:
            raise ValueError("a fallback needs at least one channel")
        if len({c.name for c in channels}) != len(channels):
            raise ValueError("channel names must be unique: health is kept by name")
        self.channels = tuple(channels)
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.rng = rng or random.Random()
        self._health = {c.name: ChannelHealth(name=c.name) for c in self.channels}
        self._down: set[str] = set()  # channels whose last attempt failed
        self.metrics = metrics or Metrics()

    def health(self) -> tuple[ChannelHealth, ...]:
        """Each channel's health, in fallback order."""
        return tuple(self._health[c.name] for c in self.channels)

    async def send(self, page: Page) -> Delivery:
        """Deliver `page` somewhere or raise AllFailed."""
        reasons: list[str] = []
        for channel in self.channels:
            try:
                delivery = await self._try(channel, page)
            except ChannelError as exc:
                reasons.append(str(exc))
                self.metrics.page(channel.name, "failed")
                continue
            self.metrics.page(channel.name, "sent")
            return delivery
        raise AllFailed(reasons)

    async def _try(self, channel: Channel, page: Page) -> Delivery:
        backoff = Backoff(self.policy.backoff, self.rng)
        for attempt in range(1, self.policy.attempts + 1):
            try:
                delivery = await channel.send(page)
            except Definite as exc:
                self._failed(channel.name, exc)
                raise
            except Transient as exc:
                self._failed(channel.name, exc)
                if attempt == self.policy.attempts:
                    raise
                wait = backoff.next()
                if exc.retry_after is not None:
                    wait = max(wait, min(exc.retry_after, self.policy.backoff.maximum))
                await self.clock.sleep(wait)
                continue
            self._succeeded(channel.name)
            return replace(delivery, attempts=attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _succeeded(self, name: str) -> None:
        if name in self._down:
            self._down.discard(name)
            extra = {"event": "channel_recovered", "channel": name}
            log.info("alert channel %s recovered", name, extra=extra)
        self._health[name] = replace(self._health[name], last_success=self.clock.now())

    def _failed(self, name: str, exc: ChannelError) -> None:
        if name not in self._down:  # once per outage, never once per attempt
            self._down.add(name)
            extra = {"event": "channel_down", "channel": name, "reason": str(exc)}
            log.warning("alert channel %s is failing: %s", name, exc, extra=extra)
        self._health[name] = replace(
            self._health[name], last_failure=self.clock.now(), last_reason=str(exc)
        )
