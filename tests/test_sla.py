"""The response timer: pure time math, and warn/breach firing exactly once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from responder.config import SlaConfig, SlaOverride
from responder.pipeline.worker import Pipeline
from responder.sla.sweeper import Sweeper
from responder.sla.timer import timing
from responder.store.keys import mention_id
from responder.store.records import State
from responder.store.stages import TIMED, Stage
from responder.store.store import Store
from tests.fakes import T0, FakeClock, entries, mention

M, W = timedelta(minutes=15), timedelta(minutes=10)


@pytest.mark.parametrize(
    ("written", "ingested", "deadline", "lag", "at_risk"),
    [
        (0, 5, 15 * 60, 5, False),  # the clock starts when the person wrote
        (0, 0, 15 * 60, 0, False),
        (120, 60, 60 + 15 * 60, 0, False),  # platform clock ahead: clamp to ingest time
        (0, 10 * 60, 15 * 60, 600, True),  # arrives exactly at warn time: at risk
        (0, 20 * 60, 15 * 60, 1200, True),  # arrives already breached
        (0, 9 * 60 + 59, 15 * 60, 599, False),
    ],
)
def test_timing(written: int, ingested: int, deadline: int, lag: int, at_risk: bool) -> None:
    result = timing(
        T0 + timedelta(seconds=written),
        T0 + timedelta(seconds=ingested),
        respond_within=M,
        warn_after=W,
    )
    assert result.deadline == T0 + timedelta(seconds=deadline)
    assert result.warn_at == result.start + W
    assert result.lag == timedelta(seconds=lag)
    assert result.at_risk is at_risk


async def _queue(store: Store, pipeline: Pipeline, clock: FakeClock, *pids: str) -> None:
    await store.ingest("demo", [mention(p) for p in pids], None, clock.now())
    await pipeline.run_once()


@pytest.mark.layouts
async def test_warn_and_breach_fire_once_each_at_their_time(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _queue(store, pipeline, clock, "1")
    sweeper = Sweeper(store, clock)
    mid = mention_id("weibo", "lanxing", "1")
    clock.advance(10 * 60 - 1)
    assert await sweeper.sweep() == []
    clock.advance(1)
    fired = await sweeper.sweep()
    assert [(f.mention_id, f.stage) for f in fired] == [(mid, "warned")]
    assert await sweeper.sweep() == []  # never twice
    clock.advance(5 * 60)
    assert [f.stage for f in await sweeper.sweep()] == ["breached"]
    clock.advance(5 * 60 - 1)
    assert await sweeper.sweep() == []
    clock.advance(1)  # nobody acknowledged the breach for 5 minutes
    assert [f.stage for f in await sweeper.sweep()] == ["escalated"]
    clock.advance(3600)
    assert await sweeper.sweep() == []
    row = await store.mention(mid)
    assert row is not None
    assert float(row["warned_at"]) == (T0 + W).timestamp()
    assert float(row["breached_at"]) == (T0 + M).timestamp()
    types = [e["type"] for e in await store.events_of(mid)]
    assert types.count("warned") == 1 and types.count("breached") == 1
    # Each fired stage is in the alerts stream too, for the notifier, keyed once.
    alerts = [fields for _, fields in await entries(store.redis, store.keys.alerts)]
    assert [(a["mention"], a["stage"], a["key"]) for a in alerts] == [
        (mid, "warned", f"{mid}:warned:1"),
        (mid, "breached", f"{mid}:breached:1"),
        (mid, "escalated", f"{mid}:escalated:1"),
    ]
    assert float(alerts[0]["due"]) == (T0 + W).timestamp()
    assert float(alerts[0]["at"]) == (T0 + W).timestamp()


@pytest.mark.layouts
async def test_two_sweepers_racing_fire_each_stage_once(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _queue(store, pipeline, clock, *[str(i) for i in range(50)])
    clock.advance(16 * 60)
    sweepers = [Sweeper(store, clock, batch=7) for _ in range(3)]
    results = await asyncio.gather(*(s.sweep() for s in sweepers))
    fired = [(f.mention_id, f.stage) for result in results for f in result]
    assert len(fired) == 100 and len(set(fired)) == 100
    keys = [fields["key"] for _, fields in await entries(store.redis, store.keys.alerts)]
    assert len(keys) == 100 and len(set(keys)) == 100  # each stage in the stream once


async def test_answered_mention_never_fires(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _queue(store, pipeline, clock, "1")
    await store.close(mention_id("weibo", "lanxing", "1"), State.DISMISSED, "amy", clock.now())
    clock.advance(3600)
    assert await Sweeper(store, clock).sweep() == []


async def test_late_arrival_is_flagged_and_fires_at_once(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    clock.advance(12 * 60)  # the platform delivered it 12 minutes late
    await _queue(store, pipeline, clock, "1")
    row = await store.mention(mention_id("weibo", "lanxing", "1"))
    assert row is not None and row["at_risk"] == "1"
    assert [f.stage for f in await Sweeper(store, clock).sweep()] == ["warned"]


async def test_sweeper_waits_until_the_next_due_stage_capped(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    patient = Sweeper(store, clock, max_wait=3600)
    assert await patient.step() == 3600  # nothing pending: the cap
    await _queue(store, pipeline, clock, "1")
    assert await patient.step() == 10 * 60  # the warn stage
    assert await Sweeper(store, clock).step() == 0.25  # the default cap bounds lateness
    clock.advance(10 * 60)
    assert await patient.step() == 5 * 60  # warned now; next, the breach
    clock.advance(5 * 60)
    assert await patient.step() == 5 * 60  # breached; next, the escalation
    clock.advance(5 * 60)
    assert await patient.step() == 3600


async def test_escalation_waits_per_platform_and_account(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _queue(store, pipeline, clock, "1")
    mid = mention_id("weibo", "lanxing", "1")
    sla = SlaConfig(
        escalate_after=timedelta(minutes=5),
        overrides=(
            SlaOverride(platform="weibo", escalate_after=timedelta(minutes=9)),
            SlaOverride(platform="weibo", account="lanxing", escalate_after=timedelta(minutes=2)),
        ),
    )
    sweeper = Sweeper(store, clock, escalations=sla.escalations())
    clock.advance(15 * 60)
    assert [f.stage for f in await sweeper.sweep()] == ["warned", "breached"]
    clock.advance(2 * 60 - 1)
    assert await sweeper.sweep() == []
    clock.advance(1)  # the account's own rule beats the platform's and the default
    assert [(f.mention_id, f.stage) for f in await sweeper.sweep()] == [(mid, "escalated")]


async def test_acknowledged_breach_never_escalates(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _queue(store, pipeline, clock, "1")
    mid = mention_id("weibo", "lanxing", "1")
    await store.redis.hset(store.keys.mention(mid), "acked_at", "1")  # as an ack leaves it
    clock.advance(15 * 60)
    sweeper = Sweeper(store, clock)
    assert [f.stage for f in await sweeper.sweep()] == ["warned", "breached"]
    clock.advance(3600)
    assert await sweeper.sweep() == []
    assert await store.redis.zcard(store.keys.due(Stage.ESCALATED)) == 0


async def test_a_waiting_mention_is_due_in_one_set_at_a_time(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _queue(store, pipeline, clock, "1")
    mid, k = mention_id("weibo", "lanxing", "1"), store.keys

    async def due() -> dict[str, float | None]:
        return {s: await store.redis.zscore(k.due(s), mid) for s in TIMED}

    assert await due() == {"warned": (T0 + W).timestamp(), "breached": None, "escalated": None}
    clock.advance(10 * 60)
    await Sweeper(store, clock).sweep()
    assert await due() == {"warned": None, "breached": (T0 + M).timestamp(), "escalated": None}
    clock.advance(5 * 60)
    await Sweeper(store, clock).sweep()
    escalates = (T0 + M + timedelta(minutes=5)).timestamp()
    assert await due() == {"warned": None, "breached": None, "escalated": escalates}


async def test_a_mention_due_in_both_sets_as_written_before_fires_each_stage_once(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _queue(store, pipeline, clock, "1", "2")
    k, first = store.keys, mention_id("weibo", "lanxing", "1")
    for pid in ("1", "2"):  # what the previous version wrote: due to breach from the start
        await store.redis.zadd(
            k.due(Stage.BREACHED), {mention_id("weibo", "lanxing", pid): (T0 + M).timestamp()}
        )
    sweeper = Sweeper(store, clock)
    clock.advance(10 * 60)
    assert [f.stage for f in await sweeper.sweep()] == ["warned", "warned"]
    clock.advance(5 * 60)
    assert [f.stage for f in await sweeper.sweep()] == ["breached", "breached"]
    await store.close(first, State.DISMISSED, "amy", clock.now())
    clock.advance(3600)
    assert [(f.mention_id, f.stage) for f in await sweeper.sweep()] == [
        (mention_id("weibo", "lanxing", "2"), "escalated")
    ]
    assert await sweeper.sweep() == []
    types = [e["type"] for e in await store.events_of(first)]
    assert types.count("warned") == types.count("breached") == 1
