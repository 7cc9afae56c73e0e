"""Several processes, one account: one polls at a time, and a rate limit holds back all."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from connectors.base import Batch
from connectors.errors import BadPayload, RateLimited
from responder.ingest.lease import INSTANCE_FILE, Leases, LeaseTiming, owner_id
from responder.ingest.poller import Health, Poller
from responder.store.store import Store
from tests.fakes import FakeClock, ScriptedConnector, entries, mention


def _process(store: Store, clock: FakeClock, owner: str) -> tuple[Poller, ScriptedConnector]:
    """One process's poller of the account "fake" (connectors share the name)."""
    connector = ScriptedConnector()
    return Poller(connector, store, clock, leases=Leases(store, owner), interval=90), connector


async def test_only_the_lease_holder_polls_and_another_takes_over_when_it_is_gone(
    store: Store, clock: FakeClock
) -> None:
    a, fetched_a = _process(store, clock, "a")
    b, fetched_b = _process(store, clock, "b")
    fetched_a.script = [Batch(mentions=(mention("1"),), cursor="c1")] * 2
    fetched_b.script = [Batch(mentions=(mention("2"),), cursor="c2")]
    assert await a.run_once() == 1
    assert await b.run_once() == 0 and fetched_b.cursors == []
    assert b.health is Health.STANDBY and b.ok
    assert await a.run_once() == 1  # renewed, still a's
    assert (
        await store.redis.get(store.keys.lease("fake")) == f"a {clock.now().timestamp() + 60:.3f}"
    )
    clock.advance(60.001)  # a died: nobody renewed its lease (TTL 60 s for a 90 s interval)
    assert await b.run_once() == 1 and fetched_b.cursors == ["c1"]  # a's cursor goes on
    assert await Leases(store, "x").holder("fake") == "b"


async def test_a_clean_stop_hands_the_account_over_at_once(store: Store, clock: FakeClock) -> None:
    a, fetched_a = _process(store, clock, "a")
    b, fetched_b = _process(store, clock, "b")
    fetched_a.script = [Batch(mentions=(), cursor=None)]
    fetched_b.script = [Batch(mentions=(), cursor=None)]
    await a.run_once()
    await b.release()  # not b's: changes nothing
    assert await Leases(store, "x").holder("fake") == "a"
    await a.release()
    await b.run_once()
    assert fetched_b.cursors == [None]


async def test_a_rate_limit_told_to_one_process_holds_back_every_process(
    store: Store, clock: FakeClock
) -> None:
    a, fetched_a = _process(store, clock, "a")
    b, fetched_b = _process(store, clock, "b")
    fetched_a.script = [RateLimited("10023", retry_after=600)]
    fetched_b.script = [Batch(mentions=(), cursor=None)]
    await a.run_once()
    assert a.health is Health.RATE_LIMITED
    await a.release()  # even with the lease free, b must wait
    await b.run_once()
    assert fetched_b.cursors == []
    left = await Leases(store, "x").held_back("fake")
    assert 590 < left <= 600


async def test_a_malformed_answer_is_kept_with_its_raw_body(store: Store, clock: FakeClock) -> None:
    a, fetched = _process(store, clock, "a")
    fetched.script = [BadPayload("body is not JSON", raw='{"statuses": [tru')]
    await a.run_once()
    assert a.health is Health.DOWN
    ((_, kept),) = await entries(store.redis, store.keys.rejected)
    assert kept["raw"] == '{"statuses": [tru' and kept["source"] == "fake"
    assert "not JSON" in kept["reason"]


@pytest.mark.parametrize(
    ("interval", "ttl", "renew_every", "takeover"),
    [
        (300.0, 60.0, 20.0, 360.0),  # Weibo's 5 minutes: taken over within 1.2 intervals
        (30.0, 30.0, 10.0, 60.0),  # exactly two intervals
        (10.0, 10.0, 10 / 3, 20.0),
        (0.1, 10.0, 10 / 3, 10.1),  # a sane minimum for very short intervals
    ],
)
def test_lease_times_follow_the_poll_interval(
    interval: float, ttl: float, renew_every: float, takeover: float
) -> None:
    timing = LeaseTiming(interval=interval)
    assert (timing.ttl, timing.renew_every) == pytest.approx((ttl, renew_every))
    assert timing.takeover == pytest.approx(takeover)
    assert timing.stall_grace == pytest.approx(takeover + 30)


def test_the_owner_is_the_same_after_a_restart_and_differs_per_data_dir(tmp_path: Path) -> None:
    one, other = tmp_path / "one", tmp_path / "other"
    first = owner_id(one)
    assert owner_id(one) == first  # a restart on the same data dir
    assert owner_id(tmp_path / "x" / ".." / "one") == first  # however the path is spelled
    assert owner_id(other) != first
    (one / INSTANCE_FILE).write_text("half-writ")  # damaged: a new id, the dir is still ours
    assert owner_id(one) not in (first, owner_id(other))


class Slow(ScriptedConnector):
    """A connector whose fetch waits until the test lets it answer."""

    def __init__(self) -> None:
        super().__init__()
        self.answer = asyncio.Event()
        self.asked = asyncio.Event()

    async def fetch(self, cursor: str | None) -> Batch:
        self.asked.set()
        await self.answer.wait()
        return await super().fetch(cursor)


async def test_a_slow_poll_keeps_its_lease_and_one_that_lost_it_writes_nothing(
    store: Store, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="responder.ingest.poller")
    slow = Slow()
    a = Poller(slow, store, clock, leases=Leases(store, "a"), interval=30)
    b, fetched_b = _process(store, clock, "b")
    slow.script = [Batch(mentions=(mention("1"),), cursor="c1")] * 2
    fetched_b.script = [Batch(mentions=(mention("2"),), cursor="c2")]

    polling = asyncio.create_task(a.run_once())
    await slow.asked.wait()
    for _ in range(9):  # three TTLs of a slow page-through, renewed every TTL/3
        clock.advance(a.timing.renew_every)
        assert await a.keep() == a.timing.renew_every
        assert await b.run_once() == 0 and b.health is Health.STANDBY
    slow.answer.set()
    assert await polling == 1 and await store.cursor("fake") == "c1"

    slow.answer.clear()
    slow.asked.clear()
    polling = asyncio.create_task(a.run_once())
    await slow.asked.wait()
    clock.advance(a.timing.ttl + 1)  # a stalls: no renewal, its lease lapses
    assert await b.run_once() == 1 and fetched_b.cursors == ["c1"]
    slow.answer.set()
    assert await polling == 0  # lost while fetching: nothing written
    assert await store.cursor("fake") == "c2" and a.health is Health.STANDBY
    assert await store.redis.xlen(store.keys.ingest) == 2  # "1" once, then b's "2"
    assert await a.keep() == a.timing.renew_every  # no longer a's to renew
    assert await Leases(store, "x").holder("fake") == "b"
    events = [getattr(r, "event", None) for r in caplog.records]
    assert events == ["lease_taken", "lease_lost"]  # b took over, a noticed (a's start: DEBUG)
