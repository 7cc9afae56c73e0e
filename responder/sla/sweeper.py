"""The sweeper: fires each due stage (warn, breach, escalate) exactly once."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from responder.clock import Clock
from responder.config import SlaConfig
from responder.metrics import Metrics
from responder.store.stages import TIMED, Stage
from responder.store.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Fired:
    """One alert stage that fired for one mention."""

    mention_id: str
    stage: Stage
    due: datetime
    fired_at: datetime


class Sweeper:
    """Fire each due stage exactly once, even with several processes sweeping.

    Each fired stage goes onto the alerts stream in the same script that fires it; the
    notifier pages from there, so nothing here needs to survive a crash.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        batch: int = 500,
        max_wait: float = 0.25,
        escalations: dict[str, float] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.batch = batch
        self.max_wait = max_wait  # bounds the lateness of stages queued after we looked
        self.escalations = json.dumps(escalations or SlaConfig().escalations())
        self.metrics = metrics or Metrics()

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
        for stage in TIMED:
            while True:
                due = await self.store.sweep(stage, now, self.batch, self.escalations)
                fired += [Fired(mention_id=m, stage=stage, due=d, fired_at=now) for m, d in due]
                if len(due) < self.batch:
                    break
        self.metrics.breaches(sum(f.stage is Stage.BREACHED for f in fired))
        if fired:  # one line per sweep: a launch-day burst must not flood the log
            worst = max((f.fired_at - f.due).total_seconds() for f in fired)
            counts = {str(s): sum(f.stage is s for f in fired) for s in TIMED}
            shown = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
            log.info("sla: %s (latest %.1fs after due)", shown, worst)
        return fired
