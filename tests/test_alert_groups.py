"""Group pages are never lost: a window that closes between a placement's two calls, an
opener that died or failed before its page went out, and a steady inflow over several
windows with two notifiers, failed pages and closing windows. Real Redis, the real
notifier, fake robots on loopback, the fake clock."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from responder.alerts.notifier import Notifier
from responder.alerts.store import Placement
from responder.pipeline.worker import Pipeline
from responder.store.keys import mention_id
from responder.store.records import State
from responder.store.stages import TIMED, Stage
from responder.store.store import Store
from tests.alerting import Rig, fire, queue, rig, warned
from tests.fake_robots import Answer
from tests.fakes import FakeClock

FIRED = {str(s) for s in TIMED}
FAIL = Answer(status=502, text="bad gateway")


def mid(pid: str) -> str:
    return mention_id("weibo", "lanxing", pid)


def delivered(r: Rig) -> list[str]:
    """Keys of the pages the webhook took (a scripted failure took nothing)."""
    return [g.body["key"] for g in r.robots.of("webhook") if g.answer is None]


def closing_windows(
    monkeypatch: pytest.MonkeyPatch,
    notifiers: Notifier | tuple[Notifier, ...],
    store: Store,
    *,
    every: int = 1,
    times: int = 1_000,
) -> list[str]:
    """Make the open group's key vanish (its window ends) right after every `every`-th
    placement call that was told to join it, before the next call (the race of issue 22),
    at most `times` times, counting the calls of all `notifiers` (which of two notifiers
    reads a stage first is up to the scheduler). Returns the ids of the groups so closed."""
    closed: list[str] = []
    seen = 0

    def closing(script: Any) -> Any:
        async def call(*, keys: list[str], args: list[Any]) -> Any:
            nonlocal seen
            reply = await script(keys=keys, args=args)
            if str(reply[0]) == "retry":
                seen += 1
                if seen % every == 0 and len(closed) < times:
                    await store.redis.delete(keys[0])
                    closed.append(str(reply[1]))
            return reply

        return call

    for notifier in notifiers if isinstance(notifiers, tuple) else (notifiers,):
        monkeypatch.setattr(notifier.alerts, "_group", closing(notifier.alerts._group))
    return closed


async def paged_in(store: Store, m: str, stage: str) -> list[dict[str, Any]]:
    return [e for e in await store.events_of(m) if e["type"] == "paged" and e.get("stage") == stage]


async def first_of_three_warned(store: Store, pipeline: Pipeline, clock: FakeClock) -> None:
    """Queue 1, 2 and 3 ten seconds apart, and let 1 reach its warning (alone)."""
    for pid in ("1", "2", "3"):
        await queue(store, pipeline, clock, pid)
        clock.advance(10)
    clock.advance(10 * 60 - 30)
    assert await fire(store, clock) == 1


async def placed_by(notifier: Notifier, consumer: str, clock: FakeClock) -> Placement:
    """What the notifier's first step does with the one warning it reads: place it in a
    group (and nothing after, as if its process died there)."""
    [(_, fields)] = await notifier.alerts.stream.read(consumer, 10, None, own=False)
    return await notifier.alerts.place(
        Stage.WARNED,
        fields["mention"],
        clock.now(),
        window=60,
        minimum=3,
        others=0,
        summary_at=None,
        marker=fields["key"],
    )


async def test_a_window_closing_between_two_calls_opens_a_fresh_group(
    store: Store, pipeline: Pipeline, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with rig(store, clock) as r:
        notifier = await r.started()
        for pid in ("1", "2", "3", "4", "5", "6"):  # warn 5 s apart
            await queue(store, pipeline, clock, pid)
            clock.advance(5)
        clock.advance(10 * 60 - 30)
        assert await fire(store, clock) == 1
        await notifier.step()
        [first] = delivered(r)  # 1 opens a group of its window (1, 2, 3, ...)
        for _ in range(2):  # 2 and 3 join it
            clock.advance(5)
            await fire(store, clock)
            await notifier.step()
        closed = closing_windows(monkeypatch, notifier, store, times=1)
        clock.advance(5)
        assert await fire(store, clock) == 1
        await notifier.step()  # 4 is told to join; the window ends before it can
        assert closed == [first.removeprefix("group:")]
        for _ in range(2):
            clock.advance(5)
            await fire(store, clock)
            await notifier.step()
        pages = delivered(r)
        assert len(pages) == 2 and pages[0] != pages[1], pages  # a new id, and its page
        for pid in ("4", "5", "6"):
            [event] = await paged_in(store, mid(pid), "warned")
            assert f"group:{event['group']}" == pages[1]


async def test_an_opener_that_died_before_paging_still_pages_its_group(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock) as r:
        dead, other = r.notifier("n1"), r.notifier("n2")
        await dead.ensure_group()
        await first_of_three_warned(store, pipeline, clock)
        placed = await placed_by(dead, "n1", clock)  # n1 opens the group, then dies before paging
        assert placed.kind == "opened"
        clock.advance(10)
        assert await fire(store, clock) == 1
        await other.step()  # 2 joins the group: marked as paged in it
        [joined] = await paged_in(store, mid("2"), "warned")
        assert joined["group"] == placed.group
        assert delivered(r) == []
        await store.close(mid("1"), State.DISMISSED, "amy", clock.now())  # the opener answered
        again = r.notifier("n1")  # n1 restarted
        await again.step()
        assert delivered(r) == [f"group:{placed.group}"]  # 2 still needed waking
        await again.step()
        assert len(delivered(r)) == 1


async def test_a_joiner_that_died_before_logging_is_logged_as_paged_when_read_again(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    """The soak across roles: a worker killed between joining an open group (in Redis) and
    logging the page on the mention left the mention with no page in its history."""
    async with rig(store, clock) as r:
        opener, dead = r.notifier("n1"), r.notifier("n2")
        await dead.ensure_group()
        await first_of_three_warned(store, pipeline, clock)
        await opener.step()  # 1 opens the group
        clock.advance(10)
        assert await fire(store, clock) == 1
        placed = await placed_by(dead, "n2", clock)  # n2 joins 2 into it, then dies before logging
        assert placed.kind == "joined" and not placed.again
        assert await paged_in(store, mid("2"), "warned") == []
        again = r.notifier("n2")  # n2 restarted: its entry is read again
        await again.step()
        [joined] = await paged_in(store, mid("2"), "warned")
        assert joined["group"] == placed.group
        await again.step()
        assert len(await paged_in(store, mid("2"), "warned")) == 1  # logged once


async def test_an_opener_whose_page_failed_pages_its_group_on_retry(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock) as r:
        r.robots.script["webhook"] = [FAIL] * 2
        r.robots.script["dingtalk"] = [FAIL] * 2
        opener, other = r.notifier("n1"), r.notifier("n2")
        await opener.ensure_group()
        await first_of_three_warned(store, pipeline, clock)
        await opener.step()  # 1 opens the group; no channel takes its page
        assert delivered(r) == []
        await store.close(mid("1"), State.DISMISSED, "amy", clock.now())
        clock.advance(10)
        assert await fire(store, clock) == 1
        await other.step()  # 2 joins it meanwhile
        [joined] = await paged_in(store, mid("2"), "warned")
        clock.advance(60)
        await opener.step()  # the opener's retry: its own mention is answered, 2 is not
        assert delivered(r) == [f"group:{joined['group']}"]


async def test_a_group_opened_before_the_upgrade_is_joined(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    """A group an earlier version opened (its stage spelled "warn") is joined while open."""
    async with rig(store, clock) as r:
        now = clock.now().timestamp()
        await store.redis.set(store.keys.alert_open_group(Stage.WARNED), "old1", px=60_000)
        await store.redis.hset(  # as the version before wrote it
            store.keys.alert_group("old1"),
            mapping={"opened": now, "until": now + 660, "stage": "warn"},
        )
        notifier = await r.started()
        await warned(store, pipeline, clock)
        await notifier.step()
        assert delivered(r) == []
        [event] = await paged_in(store, mid("1"), "warned")
        assert event["group"] == "old1"
        assert await store.redis.smembers(store.keys.alert_group_members("old1")) == {mid("1")}


async def test_a_window_over_on_the_clock_is_not_joined_while_its_key_lasts(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    """Windows end on the notifier's clock (the fake one here), not only when Redis lets
    the open-group key expire."""
    async with rig(store, clock) as r:
        notifier = await r.started()
        for pid in ("1", "2", "3", "4", "5", "6"):  # two bursts, 90 s apart
            await queue(store, pipeline, clock, pid)
            clock.advance(90 if pid == "3" else 5)
        clock.advance(10 * 60 - 105)
        for _ in range(24):
            await fire(store, clock)
            await notifier.step()
            clock.advance(5)
        pages = delivered(r)
        assert len(pages) == 2 and pages[0] != pages[1], pages


async def test_every_fired_stage_of_a_steady_inflow_is_paged(
    store: Store, pipeline: Pipeline, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over five windows, a mention every 2.5 s; two notifiers read the same stream at
    once; some open windows end between a placement's two calls; a burst of pages fails
    and is retried. Each fired stage is paged alone or inside a group whose page the
    webhook took, and no page goes out twice."""
    async with rig(store, clock) as r:
        one, two = r.notifier("n1"), r.notifier("n2")
        await one.ensure_group()
        closed = closing_windows(monkeypatch, (one, two), store, every=4)
        r.robots.script["dingtalk"] = [FAIL] * 10_000  # the webhook is the only way out
        pids = [str(i) for i in range(120)]
        for pid in pids:
            await queue(store, pipeline, clock, pid)
            clock.advance(2.5)
        clock.advance(10 * 60 - 2.5 * len(pids) - 5)
        for tick in range(200):
            clock.advance(2.5)
            if tick == 60:  # one opener's page (or a few single pages) fails, then retried
                r.robots.script["webhook"] = [FAIL] * 6
            await fire(store, clock)
            await asyncio.gather(one.step(block_ms=1), two.step(block_ms=1))
        pages = delivered(r)
        assert len(pages) == len(set(pages)), "a page went out twice"
        failed = [g for g in r.robots.of("webhook") if g.answer is not None]
        assert closed and len(failed) == 6  # the race and the failures did happen
        stages, missed = await unpaged(store, [mid(p) for p in pids], r)
        assert stages >= len(pids)  # every warning fired (early breaches too)
        assert missed == []
        assert sum(p.startswith("group:") for p in pages) >= 5  # a group per window at least


async def unpaged(store: Store, ids: list[str], r: Rig) -> tuple[int, list[str]]:
    """How many stages fired for `ids`, and those not paged: neither alone nor as a member
    of a group of their stage whose page went out after that group opened (a page sent
    before its group opened was another window's)."""
    groups: dict[str, set[str]] = {}  # stage: members of its delivered groups
    missed: list[str] = []
    for got in [g for g in r.robots.of("webhook") if g.answer is None]:
        if not got.body["key"].startswith("group:"):
            continue
        gid = got.body["key"].removeprefix("group:")
        fields = cast(dict[str, str], await store.redis.hgetall(store.keys.alert_group(gid)))
        if int(got.headers["X-Tiexin-Timestamp"]) < int(float(fields["opened"])):
            missed.append(f"group:{gid} paged before it opened")
            continue
        stage = str(Stage.read(fields["stage"]) or fields["stage"])
        found = await store.redis.smembers(store.keys.alert_group_members(gid))
        groups.setdefault(stage, set()).update(str(m) for m in found)
    pages = delivered(r)
    fired = 0
    for m in ids:
        for stage in [e["type"] for e in await store.events_of(m) if e["type"] in FIRED]:
            fired += 1
            alone = f"{m}:{stage}:1"
            if alone not in pages and m not in groups.get(stage, set()):
                missed.append(alone)
    return fired, missed


async def test_no_summary_closes_a_group_whose_page_never_went_out(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock) as r:
        r.robots.script["webhook"] = [FAIL] * 1000
        r.robots.script["dingtalk"] = [FAIL] * 1000
        notifier = await r.started()
        for pid in ("1", "2", "3"):
            await queue(store, pipeline, clock, pid)
            clock.advance(10)
        clock.advance(10 * 60 - 30)
        for _ in range(3):  # 1 opens a group whose page no channel takes; 2 and 3 join
            await fire(store, clock)
            await notifier.step()
            clock.advance(10)
        for pid in ("1", "2", "3"):
            await store.close(mid(pid), State.DISMISSED, "amy", clock.now())
        for _ in range(10):  # past the summary's time, then past the opener's retries
            clock.advance(60)
            await notifier.step()
        assert [g.body["key"] for g in r.robots.of("webhook")][-1].startswith("group:")
        r.robots.script.clear()
        clock.advance(3600)
        await notifier.step()
        assert delivered(r) == []  # nobody was paged, so nothing to close
        assert await store.redis.zcard(store.keys.alert_groups) == 0
