"""The notifier over a real Redis and fake robots on loopback, under a fake clock: each
stage pages once, grouping, fallback, retries, quiet hours, racing processes, restarts."""

from __future__ import annotations

import asyncio
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from responder.alerts.ack import AckTarget, AckTokens
from responder.alerts.acking import Acks
from responder.alerts.monitor import Monitor
from responder.alerts.wiring import trimmer
from responder.config import parse
from responder.pipeline.worker import Pipeline
from responder.store.keys import mention_id
from responder.store.records import State
from responder.store.store import Store
from responder.store.team import Team
from tests.alerting import BASE, SECRET, fire, queue, rig, schedule_of, warned
from tests.fake_robots import Answer
from tests.fakes import FakeClock, entries

CRISIS = "X7 Pro 充电时冒烟起火了，已经报警"


def acked_target(link: str, clock: FakeClock) -> AckTarget:
    assert link.startswith(f"{BASE}/ack/")
    token = unquote(link.removeprefix(f"{BASE}/ack/"))
    return AckTokens(SECRET, clock, timedelta(hours=24)).read(token)


def mid(pid: str) -> str:
    return mention_id("weibo", "lanxing", pid)


async def paged(store: Store, m: str) -> list[dict[str, object]]:
    return [e for e in await store.events_of(m) if e["type"] in ("paged", "page_failed")]


async def test_each_stage_pages_once_in_time(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock) as r:
        notifier = await r.started()
        assert await warned(store, pipeline, clock) == 1  # 5 minutes left
        await notifier.step()
        [warn] = r.pages()
        assert warn["key"] == f"{mid('1')}:warned:1"
        assert warn["title"].startswith("【即将超时】微博提及")
        assert "剩 5分" in warn["title"]
        assert warn["link"] == f"{BASE}/?m={mid('1')}"
        acked = acked_target(warn["ack_link"], clock)
        assert (acked.target, acked.person) == (f"m:{mid('1')}", "zhao")
        assert [p["name"] for p in warn["to"]] == ["zhao"]  # the primary
        await notifier.step()
        assert len(r.pages()) == 1  # never twice
        clock.advance(5 * 60)
        await fire(store, clock)
        await notifier.step()
        assert r.pages()[-1]["key"] == f"{mid('1')}:breached:1"
        assert r.pages()[-1]["title"].startswith("【已超时】")
        clock.advance(5 * 60)  # nobody acknowledged: escalate to both
        await fire(store, clock)
        await notifier.step()
        esc = r.pages()[-1]
        assert esc["key"] == f"{mid('1')}:escalated:1"
        assert [p["name"] for p in esc["to"]] == ["zhao", "qian"]
        assert len(r.pages()) == 3
        events = await paged(store, mid("1"))
        assert [(e["stage"], e["channel"]) for e in events] == [
            ("warned", "hook"),
            ("breached", "hook"),
            ("escalated", "hook"),
        ]


async def test_an_answered_mention_is_not_paged(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock) as r:
        notifier = await r.started()
        await warned(store, pipeline, clock)
        await store.close(mid("1"), State.DISMISSED, "amy", clock.now())  # before the read
        await notifier.step()
        assert r.pages() == []
        assert await store.redis.xlen(store.keys.alerts) == 0  # settled all the same


async def test_a_crisis_pages_at_once_even_in_quiet_hours(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    quiet = '\n[oncall.quiet]\nenabled = true\nstart = "10:00"\nend = "18:00"\n'
    async with rig(store, clock, schedule=schedule_of(quiet)) as r:
        notifier = await r.started()
        await queue(store, pipeline, clock, "1", text=CRISIS)
        await queue(store, pipeline, clock, "2")
        await notifier.step()  # 09:00 in Shanghai: before business hours
        [page] = r.pages()
        assert page["key"] == f"{mid('1')}:crisis:1" and page["severity"] == "crisis"
        assert page["title"].startswith("【危机】")
        clock.advance(10 * 60)
        await fire(store, clock)
        await notifier.step()  # both warn; the quiet rule holds the ordinary one
        assert [p["key"] for p in r.pages()][1:] == [f"{mid('1')}:warned:1"]
        assert r.pages()[1]["title"].startswith("【危机·即将超时】")
        held = [e for e in await store.events_of(mid("2")) if e["type"] == "page_held"]
        assert [e["stage"] for e in held] == ["warned"]


async def test_a_storm_of_warnings_is_one_page_then_one_summary(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock) as r:
        notifier = await r.started()
        pids = [str(i) for i in range(12)]
        for pid in pids:  # one every 4 seconds: all warn within 48 s
            await queue(store, pipeline, clock, pid)
            clock.advance(4)
        clock.advance(10 * 60 - 48)
        assert await fire(store, clock) == 1
        await notifier.step()
        [group] = r.pages()
        assert group["title"].startswith("12 条将在")
        assert group["key"].startswith("group:")
        gid = group["key"].removeprefix("group:")
        assert acked_target(group["ack_link"], clock).target == f"g:{gid}"
        assert group["link"] == f"{BASE}/?sort=deadline"
        for _ in range(11):
            clock.advance(4)
            await fire(store, clock)
            await notifier.step()
        assert len(r.pages()) == 1  # the other 11 are in the group page
        members = [e for e in await paged(store, mid("5")) if e.get("group")]
        assert members and members[0]["group"] == group["key"].removeprefix("group:")
        for pid in pids:  # all answered, the slowest after 13 minutes
            clock.advance(10)
            await store.close(mid(pid), State.DISMISSED, "amy", clock.now())
        clock.advance(60)
        await notifier.step()
        summary = r.pages()[-1]
        assert summary["title"].startswith("12 条已预警，全部已回复，最慢 ")
        assert len(r.pages()) == 2
        clock.advance(3600)
        await notifier.step()
        assert len(r.pages()) == 2  # one summary only


async def test_a_trickle_of_warnings_pages_each(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock) as r:
        notifier = await r.started()
        for pid in ("1", "2"):
            await queue(store, pipeline, clock, pid)
            clock.advance(120)
        clock.advance(10 * 60 - 240)
        for _ in range(3):
            await fire(store, clock)
            await notifier.step()
            clock.advance(120)
        assert [p["key"] for p in r.pages()] == [f"{mid('1')}:warned:1", f"{mid('2')}:warned:1"]


async def test_a_failing_channel_falls_back_and_health_says_so(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock) as r:
        r.robots.script["webhook"] = [Answer(status=502, text="bad gateway")] * 2
        notifier = await r.started()
        await warned(store, pipeline, clock)
        await notifier.step()
        assert len(r.robots.of("webhook")) == 2  # tried twice (the policy), then the next
        [ding] = r.pages("dingtalk")
        assert ding["markdown"]["title"].startswith("【即将超时】")
        [event] = await paged(store, mid("1"))
        assert event["channel"] == "ding"
        hook, ding_health = await notifier.alerts.health(["hook", "ding"])
        assert not hook.ok and "502" in hook.last_reason
        assert ding_health.ok and ding_health.last_success == clock.now()


async def test_a_page_no_channel_took_is_tried_again_later(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock) as r:
        r.robots.script["webhook"] = [Answer(status=502, text="x")] * 2
        r.robots.script["dingtalk"] = [Answer(status=502, text="x")] * 2
        notifier = await r.started()
        await warned(store, pipeline, clock)
        await notifier.step()
        assert len(r.pages()) == 2 and len(r.pages("dingtalk")) == 2  # all refused
        [failed] = await paged(store, mid("1"))
        assert failed["type"] == "page_failed"
        await notifier.step()
        assert len(r.pages()) == 2  # waiting out its backoff
        clock.advance(60)
        await notifier.step()
        assert len(r.pages()) == 3
        assert r.pages()[-1]["key"] == f"{mid('1')}:warned:1"
        assert [e["type"] for e in await paged(store, mid("1"))] == ["page_failed", "paged"]
        assert await store.redis.xlen(store.keys.alerts) == 0


async def test_two_processes_page_each_stage_once(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock, minimum=100) as r:
        one, two = r.notifier("n1"), r.notifier("n2")
        await one.ensure_group()
        pids = [str(i) for i in range(20)]
        await queue(store, pipeline, clock, *pids)
        clock.advance(15 * 60)
        assert await fire(store, clock) == 40
        for _ in range(3):
            await asyncio.gather(one.step(block_ms=10), two.step(block_ms=10))
        keys = [p["key"] for p in r.pages()]
        assert len(keys) == 40 and len(set(keys)) == 40


async def test_two_processes_open_one_group(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock) as r:
        one, two = r.notifier("n1"), r.notifier("n2")
        await one.ensure_group()
        await queue(store, pipeline, clock, *[str(i) for i in range(30)])
        clock.advance(10 * 60)
        assert await fire(store, clock) == 30
        entries = await one.alerts.stream.read("n1", 15, None, own=False)
        entries2 = await two.alerts.stream.read("n2", 15, None, own=False)
        await asyncio.gather(one.handle(entries), two.handle(entries2))
        [page] = r.pages()
        assert page["title"].startswith(("30 条", "15 条", "16 条"))


async def test_a_restart_before_the_send_pages_once(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock) as r:
        first = await r.started("n1")
        await warned(store, pipeline, clock)
        read = await first.alerts.stream.read("n1", 10, None, own=False)
        assert len(read) == 1  # read, then the process died before paging
        again = r.notifier("n1")  # the same process, restarted
        await again.step()
        await again.step()
        assert [p["key"] for p in r.pages()] == [f"{mid('1')}:warned:1"]


async def test_a_restart_after_the_send_does_not_page_again(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock) as r:
        first = await r.started("n1")
        await warned(store, pipeline, clock)
        read = await first.alerts.stream.read("n1", 10, None, own=False)
        await first.handle(read)  # paged; killed before acknowledging the entry
        assert len(r.pages()) == 1
        assert await store.redis.xlen(store.keys.alerts) == 1
        again = r.notifier("n1")
        await again.step()
        assert len(r.pages()) == 1
        assert await store.redis.xlen(store.keys.alerts) == 0


async def test_a_dead_process_entries_are_taken_over(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock, reclaim_after_ms=0) as r:
        dead, alive = r.notifier("n1"), r.notifier("n2")
        await dead.ensure_group()
        await warned(store, pipeline, clock)
        assert len(await dead.alerts.stream.read("n1", 10, None, own=False)) == 1
        await alive.step()  # its startup read of its own (none), then it takes over
        await alive.step()
        assert [p["key"] for p in r.pages()] == [f"{mid('1')}:warned:1"]


async def test_a_page_in_flight_elsewhere_is_not_sent_twice(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock) as r:
        n1, n2 = r.notifier("n1"), r.notifier("n2")
        await n1.ensure_group()
        key = f"{mid('1')}:warned:1"
        assert (await n1.alerts.claim(key, "n1", 120))[0] == "go"
        assert await n2.alerts.claim(key, "n2", 120) == ("busy", "n1")
        await n1.alerts.sent(key, "hook:1")
        assert await n2.alerts.claim(key, "n2", 120) == ("sent", "hook:1")


async def test_an_ack_before_the_escalation_is_read_stops_its_page(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock) as r:
        notifier = await r.started()
        await queue(store, pipeline, clock, "1")
        clock.advance(20 * 60)  # warned, breached and escalated in one sweep
        assert await fire(store, clock) == 3
        await Acks(store).mention(mid("1"), "zhao", clock.now(), "link")
        await notifier.step()
        stages = [p["key"].split(":")[1] for p in r.pages()]
        assert "escalated" not in stages and "breached" in stages


async def test_a_source_whose_login_failed_pages_the_primary_at_once(
    store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    config = parse(
        tomllib.loads('[connectors.demo]\ntype = "replay"\n'), base_dir=tmp_path, source="t"
    )
    async with rig(store, clock) as r:
        notifier = await r.started()
        await store.set_health("demo", {"state": "auth_failed", "last_error": "token expired"})
        await Monitor(store, config, clock).step()
        await notifier.step()
        [page] = r.pages()
        assert page["title"].startswith("【授权失效】") and page["severity"] == "crisis"
        assert [p["name"] for p in page["to"]] == ["zhao"]
        await Monitor(store, config, clock).step()  # another process, the same outage
        await notifier.step()
        assert len(r.pages()) == 1


async def test_with_nobody_to_page_old_alert_entries_are_trimmed(
    store: Store, clock: FakeClock
) -> None:
    old = int((clock.now() - timedelta(hours=2)).timestamp() * 1000)
    await store.redis.xadd(store.keys.alerts, {"mention": "a", "stage": "warned"}, id=f"{old}-0")
    fresh = await store.redis.xadd(store.keys.alerts, {"mention": "b", "stage": "warned"})
    assert await trimmer(store, clock)() == 60.0
    kept = await entries(store.redis, store.keys.alerts)
    assert [entry_id for entry_id, _ in kept] == [fresh]


async def test_a_storm_of_breaches_and_escalations_is_one_page_each(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    async with rig(store, clock) as r:
        notifier = await r.started()
        await queue(store, pipeline, clock, *[str(i) for i in range(5)])
        for _ in range(3):  # warn, breach, escalate: 5 minutes apart
            clock.advance(10 * 60 if not r.pages() else 5 * 60)
            assert await fire(store, clock) == 5
            await notifier.step()
        titles = [p["title"] for p in r.pages()]
        assert len(titles) == 3, titles
        assert titles[0].startswith("5 条将在")
        assert titles[1].startswith("【已超时】5 条已超时，最早一条超时 ")
        assert titles[2].startswith("【无人处理·升级】5 条超时无人确认")
        assert [p["name"] for p in r.pages()[2]["to"]] == ["zhao", "qian"]
        assert [p["severity"] for p in r.pages()] == ["warn", "breach", "breach"]


async def test_a_slow_send_keeps_its_claim_past_the_lease(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    """The claim lives on Redis's clock: a send slower than the lease renews it, so another
    process never takes the page over mid-send (real time, a fraction of a second)."""
    async with rig(store, clock, lease=0.3) as r:
        r.robots.script["webhook"] = [Answer(status=200, body={"ok": True}, delay=0.9)]
        notifier = await r.started()
        await warned(store, pipeline, clock)
        sending = asyncio.create_task(notifier.step())
        await asyncio.sleep(0.6)  # twice the lease: without renewal the claim is gone
        other = await notifier.alerts.claim(f"{mid('1')}:warned:1", "n2", 0.3)
        assert other == ("busy", "n1")
        await sending
        assert len(r.pages()) == 1


async def test_a_step_cut_short_by_redis_pages_at_the_next_step(
    store: Store, pipeline: Pipeline, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with rig(store, clock) as r:
        notifier = await r.started()
        await notifier.step()  # its own unfinished entries (none)
        assert await warned(store, pipeline, clock) == 1
        real = notifier.alerts.mentions

        async def away(ids: Any) -> Any:  # a real outage cannot be timed to this read here
            monkeypatch.setattr(notifier.alerts, "mentions", real)
            raise RedisConnectionError("Connection closed by server.")

        monkeypatch.setattr(notifier.alerts, "mentions", away)
        with pytest.raises(RedisConnectionError):
            await notifier.step()  # read the entry, then met the outage
        assert r.pages() == []
        await notifier.step()  # its own pending entry at once, not after `reclaim_after`
        assert [p["key"] for p in r.pages()] == [f"{mid('1')}:warned:1"]


async def test_someone_on_a_break_is_not_paged_unless_everyone_on_call_is(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    """The primary set 暂时离开 in the workspace: the secondary gets the warning alone, the
    escalation skips the primary too; with both away, the page still reaches the primary."""
    team = Team(store)
    async with rig(store, clock) as r:
        notifier = await r.started()
        await team.set_away("zhao", True, clock.now())
        assert await warned(store, pipeline, clock) == 1
        await notifier.step()
        assert [p["name"] for p in r.pages()[-1]["to"]] == ["qian"]
        clock.advance(10 * 60)  # breached, then escalated
        await fire(store, clock)
        await notifier.step()
        clock.advance(5 * 60)
        await fire(store, clock)
        await notifier.step()
        assert [p["name"] for p in r.pages()[-1]["to"]] == ["qian"]
        await team.set_away("qian", True, clock.now())
        await queue(store, pipeline, clock, "2")
        clock.advance(10 * 60)
        await fire(store, clock)
        await notifier.step()
        assert [p["name"] for p in r.pages()[-1]["to"]] == ["zhao"]  # nobody else to wake
