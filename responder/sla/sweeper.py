"""The sweeper: fires each due stage (warn, breach) exactly once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from responder.clock import Clock
from responder.store.records import EventType
from responder.store.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Fired:
    """One alert stage that fired for one mention."""

    mention_id: str
    stage: EventType
    due: datetime
    fired_at: datetime


class Sweeper:
    """Fire each due stage exactly once, even with several processes sweeping."""

    def __init__(
        self, store: Store, clock: Clock, *, batch: int = 500, max_wait: float = 0.25
    ) -> None:
        self.store = store
        self.clock = clock
        self.batch = batch
        self.max_wait = max_wait  # bounds the lateness of stages queued after we looked

    async def step(self) -> float:
        """Sweep, then return how long to wait: until the next due stage, at most max_wait."""
        await self.sweep()
        due = await self.store.next_due()
        if due is None:
            return self.max_wait
        left = (due - self.clock.now()).total_seconds()
        return min(self.max_wait, max(0.01, left))  # a floor, so a stuck item cannot spin us

    async def sweep(self) -> list[Fired]:
        """Fire every stage due by now; cost grows with due items, not with pending ones."""
        now = self.clock.now()
        fired: list[Fired] = []
        for stage, kind in (("warn", EventType.WARNED), ("breach", EventType.BREACHED)):
            while True:
                due = await self.store.sweep(stage, kind, now, self.batch)
                fired += [Fired(mention_id=m, stage=kind, due=d, fired_at=now) for m, d in due]
                if len(due) < self.batch:
                    break
        for item in fired:
            late = (item.fired_at - item.due).total_seconds()
            log.info(
                "mention %s %s (due %s, %.1fs late)", item.mention_id, item.stage, item.due, late
            )
        return fired
