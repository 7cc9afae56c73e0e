"""Several processes, one account: one polls at a time, and a rate limit holds back all."""

from __future__ import annotations

from connectors.base import Batch
from connectors.errors import BadPayload, RateLimited
from responder.ingest.lease import Leases
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
