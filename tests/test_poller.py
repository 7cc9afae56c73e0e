"""Poller: cursor moves only after hand-off; one retry policy per error type; health."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest
from redis.asyncio import Redis

from connectors.base import Batch
from connectors.errors import AuthFailed, BadPayload, RateLimited, Unavailable
from responder.backoff import Backoff, BackoffPolicy
from responder.ingest.poller import Health, Poller
from responder.store.embedded import EmbeddedRedis
from responder.store.keys import Keys
from responder.store.store import Store
from tests.fakes import FakeClock, ScriptedConnector, entries, mention


def _poller(store: Store, clock: FakeClock) -> tuple[Poller, ScriptedConnector]:
    connector = ScriptedConnector()
    policy = BackoffPolicy(initial=2, factor=2, maximum=10, jitter=0)
    return Poller(connector, store, clock, backoff=Backoff(policy)), connector


async def test_cursor_advances_only_with_the_mentions(store: Store, clock: FakeClock) -> None:
    poller, connector = _poller(store, clock)
    connector.script = [
        Batch(mentions=(mention("1"), mention("2")), cursor="c2"),
        Unavailable("down"),
        Batch(mentions=(), cursor="c2"),
    ]
    assert await poller.run_once() == 2
    assert await store.cursor("fake") == "c2"
    assert await store.redis.xlen(store.keys.ingest) == 2
    assert await poller.run_once() == 0
    assert await store.cursor("fake") == "c2"  # a failed fetch moves nothing
    clock.advance(2)
    await poller.run_once()
    assert connector.cursors == [None, "c2", "c2"]


async def test_unavailable_backs_off_and_logs_once_down_and_once_up(
    store: Store, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    poller, connector = _poller(store, clock)
    connector.script = [
        Unavailable("502"),
        Unavailable("502"),
        Unavailable("timeout"),
        Batch(mentions=(), cursor=None),
    ]
    caplog.set_level(logging.INFO, logger="responder.ingest.poller")
    await poller.run_once()  # fails; wait 2 s
    clock.advance(1.9)
    await poller.run_once()  # still waiting: no fetch
    assert len(connector.cursors) == 1
    clock.advance(0.1)
    await poller.run_once()  # fails; wait 4 s
    clock.advance(4)
    await poller.run_once()  # fails; wait 8 s
    assert poller.health is Health.DOWN and poller.failures == 3
    clock.advance(8)
    await poller.run_once()
    assert str(poller.health) == "ok"  # str(): mypy narrowed health to DOWN above
    events = [getattr(r, "event", None) for r in caplog.records]
    assert events.count("source_down") == 1
    assert events.count("source_recovered") == 1
    health = (await store.health(["fake"]))["fake"]
    assert health["state"] == "ok" and health["failures"] == "0"


async def test_rate_limited_waits_what_the_platform_said(store: Store, clock: FakeClock) -> None:
    poller, connector = _poller(store, clock)
    connector.script = [RateLimited("10023", retry_after=600), Batch(mentions=(), cursor=None)]
    await poller.run_once()
    assert (await store.health(["fake"]))["fake"]["state"] == "rate_limited"
    clock.advance(599)
    await poller.run_once()
    assert len(connector.cursors) == 1
    clock.advance(1)
    await poller.run_once()
    assert len(connector.cursors) == 2


async def test_auth_failure_stops_polling(store: Store, clock: FakeClock) -> None:
    poller, connector = _poller(store, clock)
    connector.script = [AuthFailed("21332 invalid token")]
    await poller.run_once()
    clock.advance(86400)
    await poller.run_once()
    assert connector.cursors == [None]
    health = (await store.health(["fake"]))["fake"]
    assert health["state"] == "auth_failed" and "21332" in health["last_error"]


async def test_rejected_items_are_kept_and_polling_goes_on(store: Store, clock: FakeClock) -> None:
    poller, connector = _poller(store, clock)
    bad = BadPayload("missing field 'id'", raw='{"text": "x"}')
    connector.script = [Batch(mentions=(mention("1"),), cursor="c1", rejected=(bad,))]
    assert await poller.run_once() == 1
    rows = await entries(store.redis, store.keys.rejected)
    assert rows[0][1]["raw"] == '{"text": "x"}' and rows[0][1]["source"] == "fake"
    assert await store.cursor("fake") == "c1"


@pytest.mark.parametrize(
    ("policy", "delays"),
    [
        (BackoffPolicy(initial=1, factor=2, maximum=300, jitter=0), [1, 2, 4, 8, 16]),
        (BackoffPolicy(initial=5, factor=3, maximum=50, jitter=0), [5, 15, 45, 50, 50]),
        (BackoffPolicy(initial=2, factor=1, maximum=2, jitter=0), [2, 2, 2, 2, 2]),
    ],
)
def test_backoff_arithmetic(policy: BackoffPolicy, delays: list[float]) -> None:
    backoff = Backoff(policy)
    assert [backoff.next() for _ in delays] == delays
    backoff.reset()
    assert backoff.next() == delays[0]


def test_backoff_jitter_stays_in_bounds() -> None:
    backoff = Backoff(BackoffPolicy(initial=10, factor=1, maximum=10, jitter=0.2), random.Random(7))
    values = [backoff.next() for _ in range(200)]
    assert all(8 <= v <= 10 for v in values) and len(set(values)) > 100


def test_backoff_policy_validates() -> None:
    with pytest.raises(ValueError, match="initial"):
        BackoffPolicy(initial=0)


@pytest.mark.parametrize(
    ("policy", "steps"),
    [
        (BackoffPolicy(initial=1, factor=2, maximum=300), 9),  # 2**9 = 512 > 300
        (BackoffPolicy(initial=1, factor=2, maximum=256), 8),
        (BackoffPolicy(initial=5, factor=3, maximum=50), 3),
        (BackoffPolicy(initial=2, factor=1, maximum=2), 0),
        (BackoffPolicy(initial=0.001, factor=1.0001, maximum=1e6), 207244),
    ],
)
def test_backoff_exponent_is_capped(policy: BackoffPolicy, steps: int) -> None:
    assert policy.steps_to_maximum == steps
    assert policy.delay(steps) == policy.maximum
    assert steps == 0 or policy.delay(steps - 1) < policy.maximum  # the cap is the first
    assert policy.delay(10**12) == policy.maximum  # factor**10**12 would overflow


def test_backoff_never_overflows_after_thousands_of_failures() -> None:
    backoff = Backoff(BackoffPolicy(initial=1, factor=10, maximum=300, jitter=0.2))
    delays = [backoff.next() for _ in range(5000)]
    assert backoff.failures == 5000
    assert all(0.8 <= d <= 300 for d in delays) and 240 <= delays[-1] <= 300


def _down_events(caplog: pytest.LogCaptureFixture) -> tuple[list[logging.LogRecord], int]:
    events = [r for r in caplog.records if getattr(r, "event", None)]
    down = [r for r in events if r.event == "source_down"]  # type: ignore[attr-defined]
    up = [r for r in events if r.event == "source_recovered"]  # type: ignore[attr-defined]
    return down, len(up)


async def test_redis_down_sets_health_logs_once_and_recovers(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    server = EmbeddedRedis(tmp_path / "redis", appendonly=False)
    server.start()
    redis = Redis.from_url(server.url, decode_responses=True)
    try:
        store = Store(redis, Keys("down"))
        await store.ensure_group()
        poller, connector = _poller(store, clock)
        connector.script = [Batch(mentions=(mention("1"),), cursor="c1")]
        caplog.set_level(logging.DEBUG, logger="responder.ingest.poller")
        server.stop()
        for _ in range(5):  # Redis is away: each poll fails, none raises
            assert await poller.run_once() == 0
            clock.advance(10)
        assert poller.health is Health.ERROR and poller.failures == 5
        assert connector.cursors == []  # the cursor could not be read: nothing fetched
        down, up = _down_events(caplog)
        assert len(down) == 1 and up == 0 and down[0].exc_info is None  # one event, no trace
        # ... at DEBUG: the outage itself is logged once for every part (store/availability)
        assert down[0].levelno == logging.DEBUG

        server.start()
        assert await poller.run_once() == 1
        assert str(poller.health) == "ok" and _down_events(caplog)[1] == 1
        assert all(r.levelno == logging.DEBUG for r in caplog.records if r.name.endswith("poller"))
        assert await store.cursor("fake") == "c1"
        assert (await store.health(["fake"]))["fake"]["state"] == "ok"
    finally:
        await redis.aclose()
        server.stop()


async def test_any_other_exception_is_caught_logged_once_with_its_traceback(
    store: Store, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    poller, connector = _poller(store, clock)

    async def broken(cursor: str | None) -> Batch:
        raise OverflowError("int too large to convert to float")

    connector.fetch = broken  # type: ignore[method-assign]
    caplog.set_level(logging.INFO, logger="responder.ingest.poller")
    for _ in range(4):
        assert await poller.run_once() == 0
        clock.advance(10)
    down, _ = _down_events(caplog)
    assert len(down) == 1 and down[0].exc_info is not None
    health = (await store.health(["fake"]))["fake"]
    assert health["state"] == "error" and "OverflowError" in health["last_error"]
    assert health["failures"] == "4"
