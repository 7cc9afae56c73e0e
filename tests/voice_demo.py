"""The demo feed understood by the real pipeline and counted by the reports' rollup step,
as production does: what the voice-of-the-customer tests read back."""

from __future__ import annotations

from connectors.model import Mention
from connectors.replay import demo_path
from responder.config import ReportsConfig
from responder.pipeline.worker import Pipeline
from responder.reports.rollup import Rollup
from tests.fakes import FakeClock

ZONE = "Asia/Shanghai"


async def demo_counted(pipeline: Pipeline, clock: FakeClock) -> None:
    """Take the demo feed in at `clock`'s time, 100 at a time, queue it and count it."""
    store = pipeline.store
    lines = demo_path().read_text("utf-8").splitlines()
    mentions = [Mention.from_json(line) for line in lines]
    for start in range(0, len(mentions), 100):
        await store.ingest("demo", mentions[start : start + 100], None, clock.now())
        while await pipeline.run_once(block_ms=None):
            pass
    rollup = Rollup(store, ReportsConfig(), ZONE)
    while await rollup.step() == 0:
        pass
