"""The monitor pages when the pipeline falls behind: the oldest mention not yet queued,
whether no worker read it or one read it and never finished."""

from __future__ import annotations

import json

import pytest

from responder.alerts.monitor import Monitor
from responder.config import defaults
from responder.pipeline.worker import Pipeline
from responder.store.store import Store
from tests.fakes import T0, FakeClock, entries, mention

AT = T0.timestamp()


async def alerts(store: Store) -> list[dict[str, str]]:
    return [fields for _, fields in await entries(store.redis, store.keys.alerts)]


async def test_pipeline_lag_counts_entries_not_read_and_read_but_not_done(
    store: Store, clock: FakeClock, pipeline: Pipeline
) -> None:
    monitor = Monitor(store, defaults(), clock)  # lag_after: 2 minutes
    await store.ingest("brand_weibo", [mention("1")], None, clock.now())
    await pipeline.run_once()  # queued: never lag
    clock.advance(600)
    await monitor.step()
    assert await alerts(store) == []
    await store.ingest("brand_weibo", [mention("2"), mention("3")], None, clock.now())
    await store.read_ingest("stuck", 1, None)  # read by a worker that never finishes it
    clock.advance(100)
    wait = await monitor.step()
    assert wait == pytest.approx(5)
    clock.advance(19)
    assert await monitor.step() == pytest.approx(1)  # wakes when the lag crosses 2 minutes
    clock.advance(1)
    await monitor.step()
    [page] = await alerts(store)
    assert page["subject"] == "pipeline" and page["stage"] == "pipeline_lag"
    detail = json.loads(page["detail"])
    assert detail["lag_s"] == 120 and detail["waiting"] == 2
    assert detail["source"] == "brand_weibo" and detail["since"] == int(AT + 600)
    clock.advance(60)
    await monitor.step()
    assert len(await alerts(store)) == 1
    await pipeline.run_once()  # the unread entry is queued; the stuck one still waits
    await monitor.step()
    assert len(await alerts(store)) == 1
    stuck = await store.read_ingest("stuck", 10, None, own_pending=True)
    await store.ack([entry.entry_id for entry in stuck])
    await monitor.step()
    pages = await alerts(store)
    assert [p["stage"] for p in pages] == ["pipeline_lag", "recovered"]
    assert json.loads(pages[1]["detail"])["lasted_s"] == 180
