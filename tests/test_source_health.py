"""A source's health home: when a polled source counts as stalled, and what writes keep."""

from __future__ import annotations

import pytest

from responder.store.source_health import (
    FAILING_SINCE,
    Health,
    SourceHealth,
    failure_fields,
    judged,
    ok_fields,
    stalled,
)
from responder.store.store import Store
from tests.fakes import T0, FakeClock

AT = T0.timestamp()


@pytest.mark.parametrize(
    ("row", "now", "started", "is_stalled"),
    [
        ({"state": "ok", "next_poll": f"{AT:.3f}"}, AT + 100, 0.0, False),  # within the grace
        ({"state": "ok", "next_poll": f"{AT:.3f}"}, AT + 101, 0.0, True),
        ({"state": "down", "next_poll": f"{AT:.3f}"}, AT + 101, 0.0, True),  # backoff ended
        ({"state": "ok", "next_poll": f"{AT:.3f}"}, AT + 101, AT + 50, False),  # just started
        ({"state": "auth_failed", "next_poll": ""}, AT + 9999, 0.0, False),  # stopped on purpose
        ({"state": "ok", "next_poll": ""}, AT + 9999, 0.0, False),  # a push source
        ({}, AT + 9999, 0.0, False),  # never polled
    ],
)
def test_a_polled_source_is_stalled_past_its_plan_and_grace(
    row: dict[str, str], now: float, started: float, is_stalled: bool
) -> None:
    assert stalled(row, now, 100.0, started) is is_stalled
    shown = judged(row, Health.STANDBY, now, 100.0, started)
    assert shown is (Health.STALLED if is_stalled else Health.STANDBY)


async def test_an_outage_keeps_its_first_failure_and_a_success_ends_it(
    store: Store, clock: FakeClock
) -> None:
    health = SourceHealth(store.redis, store.keys)
    await health.write("s", failure_fields(Health.DOWN, "502", clock.now(), 1, next_poll=AT + 5))
    clock.advance(10)
    await health.write("s", failure_fields(Health.ERROR, "x" * 900, clock.now(), 2, by="h:1"))
    row = (await health.read(["s"]))["s"]
    assert row[FAILING_SINCE] == f"{AT:.3f}" and row["state"] == "error"
    assert len(row["last_error"]) == 500 and row["next_poll"] == "" and row["polled_by"] == "h:1"
    await health.write("s", ok_fields(clock.now(), next_poll=AT + 40))
    row = (await health.read(["s"]))["s"]
    assert FAILING_SINCE not in row and row["state"] == "ok" and row["failures"] == "0"
    assert row["next_poll"] == f"{AT + 40:.3f}"
