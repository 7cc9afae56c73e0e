"""Supervisor: restart with capped backoff, log once per streak, stop wakes every sleeper."""

from __future__ import annotations

import asyncio
import logging

import pytest
from redis.exceptions import ClusterDownError, RedisClusterUnreachableError
from redis.exceptions import ConnectionError as RedisConnectionError

from responder.backoff import BackoffPolicy
from responder.clock import sleep_or_stop
from responder.supervisor import State, Supervisor
from tests.fakes import T0, FakeClock

POLICY = BackoffPolicy(initial=1, factor=2, maximum=4, jitter=0)


def _events(caplog: pytest.LogCaptureFixture, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", None) == name]


class Flaky:
    """A loop step that fails `failures` times, then succeeds and asks to wait an hour."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    async def __call__(self) -> float:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return 3600.0


async def test_a_failing_task_is_restarted_with_backoff_and_logged_once_per_streak(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock(blocking=True)
    supervisor = Supervisor(clock, policy=POLICY)
    step = Flaky(5, ValueError("bug"))
    caplog.set_level(logging.INFO, logger="responder.supervisor")
    supervisor.loop("work", step)

    waits = []
    for _ in range(5):  # each failure waits out the next delay before the restart
        waits.append((await clock.until_sleeping())[0])
        status = supervisor.statuses["work"]
        assert status.state is State.FAILING and status.since == T0
        assert status.last_error == "ValueError: bug"
        clock.advance(waits[-1])
    assert waits == [1, 2, 4, 4, 4]  # capped at the maximum
    assert await clock.until_sleeping() == [3600]  # working again: its own wait
    assert supervisor.statuses["work"].state is State.OK and step.calls == 6

    failed, recovered = _events(caplog, "task_failed"), _events(caplog, "task_recovered")
    assert len(failed) == 1 and len(recovered) == 1  # five failures, one streak
    assert failed[0].exc_info is not None  # a bug: logged with its traceback, once
    assert getattr(recovered[0], "failures", None) == 5
    await supervisor.stop()


async def test_a_new_streak_is_logged_again_and_an_outage_without_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock(blocking=True)
    supervisor = Supervisor(clock, policy=POLICY)
    caplog.set_level(logging.INFO, logger="responder.supervisor")
    job = supervisor.job("poll:x", Flaky(2, OSError("Connection refused")))
    for _ in range(3):
        await job()
    assert supervisor.snapshot()["poll:x"] == {"state": "ok", "failures": 0}
    supervisor.failed("poll:x", OSError("gone again"))
    assert supervisor.snapshot()["poll:x"]["state"] == "failing"
    assert "gone again" in str(supervisor.snapshot()["poll:x"]["last_error"])

    failed = _events(caplog, "task_failed")
    assert len(failed) == 2 and len(_events(caplog, "task_recovered")) == 1
    assert all(r.exc_info is None for r in failed)  # a network away is expected: one line


async def test_tasks_failing_while_redis_is_away_leave_the_outage_to_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    supervisor = Supervisor(FakeClock(blocking=True), policy=POLICY)
    caplog.set_level(logging.INFO)
    away = {  # one server, then a cluster with every node restarting, or one without a master
        "pipeline": RedisConnectionError("Connection refused"),
        "sweeper": RedisClusterUnreachableError("Redis Cluster cannot be connected"),
        "poll:x": ClusterDownError("The cluster is down"),
    }
    for name, exc in away.items():
        supervisor.failed(name, exc)
        supervisor.failed(name, exc)
    assert {s["state"] for s in supervisor.snapshot().values()} == {"failing"}  # health shows it
    assert caplog.records == []  # store.availability says it, once, from the call that failed
    supervisor.ok("pipeline")
    supervisor.ok("sweeper")
    assert caplog.records == []
    supervisor.failed("poll:x", RuntimeError("a bug meanwhile"))  # still said, once
    supervisor.failed("poll:x", RuntimeError("a bug meanwhile"))
    assert len(_events(caplog, "task_failed")) == 1


async def test_a_task_that_returns_is_restarted_too(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock(blocking=True)
    supervisor = Supervisor(clock, policy=POLICY)
    runs = 0

    async def run() -> None:
        nonlocal runs
        runs += 1
        if runs == 2:
            supervisor.ok("quits")
            await clock.sleep(3600)

    supervisor.start("quits", run)
    assert await clock.until_sleeping() == [1]
    assert "returned" in supervisor.statuses["quits"].last_error
    clock.advance(1)
    assert await clock.until_sleeping() == [3600] and runs == 2
    assert supervisor.statuses["quits"].state is State.OK
    await supervisor.stop()


async def test_stop_wakes_every_sleeper_at_once() -> None:
    clock = FakeClock(blocking=True)
    supervisor = Supervisor(clock, policy=BackoffPolicy(initial=300, maximum=300, jitter=0))
    broken, idle = Flaky(10**6, ValueError("bug")), Flaky(0, ValueError("unused"))
    supervisor.loop("broken", broken)  # waits 300 s before each restart
    supervisor.loop("idle", idle)  # waits an hour between steps
    assert await clock.until_sleeping(2) == [300, 3600]
    # A generous grace: only sleepers that wake on the stop event finish in the bound.
    await asyncio.wait_for(supervisor.stop(grace=30), timeout=1)
    assert clock.sleeping == [] and clock.monotonic() == 1000.0  # no fake time passed
    assert (broken.calls, idle.calls) == (1, 1)  # none restarted or stepped again
    assert all(task.done() and not task.cancelled() for task in supervisor._tasks.values())


async def test_sleep_or_stop() -> None:
    clock, stop = FakeClock(), asyncio.Event()
    assert await sleep_or_stop(clock, 5, stop) is False and clock.slept == [5]
    stop.set()
    assert await sleep_or_stop(clock, 5, stop) is True and clock.slept == [5]


async def test_fatal_stops_everything_and_keeps_the_first_reason() -> None:
    supervisor = Supervisor(FakeClock())
    supervisor.fatal("redis is gone")
    supervisor.fatal("and something else")
    assert supervisor.stopping.is_set() and supervisor.fatal_error == "redis is gone"


async def test_stop_cancels_interruptible_tasks_at_once_and_gives_the_others_the_grace() -> None:
    supervisor = Supervisor(FakeClock(blocking=True), policy=POLICY)
    never, sending, sent = asyncio.Event(), asyncio.Event(), asyncio.Event()
    finished: list[str] = []

    async def read() -> float:  # a pipeline worker waiting on scoring: safe to drop
        await never.wait()
        return 0.0

    async def send() -> float:  # a reply in flight: let it finish
        sending.set()
        await sent.wait()
        finished.append("sent")
        return 0.0

    supervisor.loop("pipeline", read, interruptible=True)
    supervisor.loop("outbox", send)
    await sending.wait()
    stopping = asyncio.create_task(supervisor.stop(grace=60))
    await asyncio.sleep(0)  # stop has begun
    assert supervisor.stopping.is_set() and not stopping.done()  # the outbox has its grace
    sent.set()
    await asyncio.wait_for(stopping, 5)  # a bound, not a timer: the grace is 60 s
    assert finished == ["sent"] and not never.is_set()
