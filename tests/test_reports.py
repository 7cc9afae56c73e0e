"""The lead's reports over the real pipeline, Redis and HTTP: known events on the fake
clock, the rollup step, then every figure checked exactly through the API."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from responder.outbox.sender import Sender
from responder.reports.buckets import hour_of, hours_of
from responder.reports.rebuild import rebuild
from responder.reports.rollup import IDLE, Rollup
from responder.services import SERVICES, STORE
from responder.sla.sweeper import Sweeper
from responder.store.store import Store
from tests.conftest import MakeClient
from tests.fake_forum import Forum
from tests.fakes import T0, FakeClock, mention
from tests.forum_outbox import background
from tests.workspace import Client, app_of, as_user, catch_up, feed, mid, rollup_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
FAN = "回复 电池焦虑 :老哥别慌 我的也掉了3% 一年掉几个点是正常损耗"
DAY = T0.astimezone(SHANGHAI).date().isoformat()  # 2026-11-20 (T0 is 09:00 there)


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("rp")


def _store(client: Client) -> Store:
    return app_of(client)[STORE]


async def _report(client: Client, **params: str) -> dict[str, Any]:
    resp = await client.get("/api/reports", params=params, headers=as_user("lee"))
    assert resp.status == 200, await resp.text()
    return cast(dict[str, Any], await resp.json())


async def _approve(client: Client, pid: str, user: str, **body: Any) -> None:
    resp = await client.post(f"/api/mentions/{mid(pid)}/approve", json=body, headers=as_user(user))
    assert resp.status == 200, await resp.text()


async def _first_draft(client: Client, pid: str) -> dict[str, Any]:
    detail = await (await client.get(f"/api/mentions/{mid(pid)}")).json()
    return cast(dict[str, Any], detail["drafts"][0])


@pytest.mark.layouts
async def test_each_figure_is_counted_exactly(
    client: Client, clock: FakeClock, forum: tuple[Forum, str], sender: Sender
) -> None:
    # Comments in threads of their own: the forum replies in a thread.
    await feed(client, clock, *(mention(p, kind="comment", thread_id=str(ord(p))) for p in "abcde"))
    fan = mention("f", platform="tieba", kind="reply", thread_id="t9", text=FAN, reply_to="user")
    await feed(client, clock, fan)
    drafts = {p: await _first_draft(client, p) for p in "abe"}
    clock.advance(120)  # 2 min: amy sends e's first draft; the platform refuses it
    await _approve(client, "e", "amy", draft=0)
    forum[0].failures.append("refuse")
    await background(client, sender)
    clock.advance(180)  # 5 min: amy sends b's first draft as is and dismisses d
    await _approve(client, "b", "amy", draft=0)
    dismissed = await client.post(f"/api/mentions/{mid('d')}/dismiss", json={"reason": "重复"})
    assert dismissed.status == 200
    clock.advance(600)  # exactly 15:00: the breach fires, and bo answers a at that instant
    await Sweeper(_store(client), clock).sweep()
    await _approve(client, "a", "bo", text=drafts["a"]["text"] + "有事随时找我们！", draft=0)
    clock.advance(300)  # 20 min: lee answers c late, in words of his own
    await _approve(client, "c", "lee", text="好的")
    await background(client, sender)
    await catch_up(client)

    report = await _report(client, since=DAY, until=DAY)
    named = {"since": DAY, "until": DAY, "zone": "Asia/Shanghai"}
    assert report["range"] == named
    assert all(
        v["range"] == named for k, v in report.items() if isinstance(v, dict) and k != "range"
    )
    sla = {"need": 5, "ok": 3, "miss": 1, "attainment": 0.75}  # a at 15:00 is within
    assert {k: report["sla"][k] for k in sla} == sla
    assert report["sla_by_day"]["rows"] == [{"day": DAY, **sla}]
    assert report["sla_by_platform"]["rows"] == [{"platform": "weibo", **sla}]
    assert report["sla_by_account"]["rows"] == [{"account": "weibo/lanxing", **sla}]
    nine = report["sla_by_hour"]["rows"][9]  # T0 is 09:00 in Shanghai
    assert nine == {"hour": 9, **sla}
    assert sum(r["need"] for r in report["sla_by_hour"]["rows"]) == 5
    assert report["sla_by_agent"]["rows"] == [
        {"agent": "amy", "answered": 2, "ok": 2, "late": 0, "attainment": 1.0},
        {"agent": "bo", "answered": 1, "ok": 1, "late": 0, "attainment": 1.0},
        {"agent": "lee", "answered": 1, "ok": 0, "late": 1, "attainment": 0.0},
    ]
    # Answered at 120, 300, 900 and 1200 s: interpolated within 30/60/300 s buckets.
    times = report["response_time"]
    assert (times["answered"], times["late"]) == (4, 1)
    assert (times["p50_s"], times["p90_s"], times["p99_s"]) == (300.0, 1080.0, 1188.0)
    assert report["volume"]["rows"] == [
        {
            "day": DAY,
            "in": 6,
            "need": 5,
            "no_reply": 1,
            "joined": 0,
            "answered": 4,
            "backlog": 1,  # e, back in the queue after its failed send
        }
    ]
    agents = {r["agent"]: r for r in report["agents"]["rows"]}
    assert {k: agents["amy"][k] for k in ("handled", "approved", "as_is", "dismissed")} == {
        "handled": 3,
        "approved": 2,
        "as_is": 2,
        "dismissed": 1,
    }
    assert (agents["bo"]["edited"], agents["lee"]["written"]) == (1, 1)
    assert agents["lee"]["median_handling_s"] is not None
    (aside,) = report["no_reply"]["rows"]
    assert (aside["by"], aside["count"]) == ("pipeline", 1)
    assert report["outbox"]["sent"] == 3 and report["outbox"]["send_failed"] == 1
    templates = {r["template"]: r for r in report["templates"]["rows"]}
    assert sum(r["offered"] for r in templates.values()) == 12  # 3 drafts x 4 answered
    used = [drafts[p]["template"] for p in "abe"]
    assert sum(templates[t]["as_is"] for t in set(used)) == 2
    assert sum(templates[t]["edited"] for t in set(used)) == 1
    breached = {(r["id"], r["type"]) for r in report["breaches"]["rows"]}
    assert (mid("a"), "breached") in breached and (mid("c"), "breached") in breached
    assert all(r["link"] == f"/?m={r['id']}" for r in report["breaches"]["rows"])


async def test_days_in_shanghai_split_at_its_midnight(client: Client, clock: FakeClock) -> None:
    midnight = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 00:00 on the 21st in Shanghai
    clock.advance((midnight - clock.now()).total_seconds() + 30)
    before = mention("late", created_at=midnight - timedelta(seconds=1))
    after = mention("early", created_at=midnight)
    await feed(client, clock, before, after)
    await catch_up(client)
    report = await _report(client, since="2026-11-20", until="2026-11-21")
    rows = {r["day"]: r["need"] for r in report["sla_by_day"]["rows"]}
    assert rows == {"2026-11-20": 1, "2026-11-21": 1}
    store = _store(client)
    for day in (date(2026, 11, 20), date(2026, 11, 21)):
        hours = list(hours_of(day, SHANGHAI))
        assert len(hours) == 24 and hours[0] * 3600 == (
            datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).timestamp()
        )
        summed: dict[str, int] = {}
        for hour in hours:
            found = cast(dict[str, str], await store.redis.hgetall(store.keys.report_hour(hour)))
            for name, value in found.items():
                if name != "bl":
                    summed[name] = summed.get(name, 0) + int(value)
        whole = await store.redis.hgetall(store.keys.report_day(day.isoformat()))
        assert summed == {k: int(v) for k, v in whole.items() if k != "bl"}


async def test_two_rollup_steps_racing_count_each_entry_once(
    client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("a"), mention("b"))
    store = _store(client)
    config = app_of(client)[SERVICES].rollup
    assert config is not None
    one, two = (Rollup(store, config.config, "Asia/Shanghai") for _ in range(2))
    entries = cast(list[tuple[str, dict[str, str]]], await store.redis.xrange(store.keys.events))
    both = [await one.tally(entries), await two.tally(entries)]
    applied = [await r.apply(t, "", entries[-1][0]) for r, t in zip((one, two), both, strict=True)]
    assert applied == [True, False]  # the second found the cursor moved
    assert await two.step() == IDLE  # nothing left for it
    day = await store.redis.hgetall(store.keys.report_day(DAY))
    assert (day["in"], day["need"], day["bl"]) == ("2", "2", "2")


async def test_agents_are_refused_and_csv_opens_in_excel(client: Client, clock: FakeClock) -> None:
    await feed(client, clock, mention("x", account="=HYPERLINK(1)"))
    clock.advance(16 * 60)
    await Sweeper(_store(client), clock).sweep()
    await catch_up(client)
    assert (await client.get("/api/reports")).status == 403  # amy is an agent
    page = await client.get("/reports")
    assert page.status == 403 and "组长" in await page.text()
    resp = await client.get(
        "/api/reports/breaches.csv", params={"since": DAY, "until": DAY}, headers=as_user("ada")
    )
    assert resp.status == 200 and resp.content_type == "text/csv"
    body = await resp.read()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == [f"{DAY} 至 {DAY}（Asia/Shanghai）"]
    assert rows[1] == ["时间", "类型", "平台", "账号", "提及ID"]
    (row,) = rows[2:]
    assert row[1:] == ["breached", "weibo", "'=HYPERLINK(1)", mid("x", account="=HYPERLINK(1)")]
    assert row[0] == "2026-11-20T09:16:00+08:00"
    unknown = await client.get("/api/reports/nope.csv", headers=as_user("lee"))
    assert unknown.status == 404
    bad = await client.get("/api/reports", params={"since": "2026-13-01"}, headers=as_user("lee"))
    assert bad.status == 400


@pytest.mark.layouts
async def test_rebuild_recounts_from_the_mentions_logs_and_the_step_goes_on(
    client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("a"), mention("b"), mention("c"))
    clock.advance(60)
    await _approve(client, "a", "amy", draft=0)
    clock.advance(20 * 60)
    await Sweeper(_store(client), clock).sweep()
    await catch_up(client)
    store = _store(client)
    counted = await store.redis.hgetall(store.keys.report_day(DAY))
    hours = {
        h: await store.redis.hgetall(store.keys.report_hour(h))
        for h in (hour_of(T0.timestamp()), hour_of(T0.timestamp()) + 1)
    }
    # The counters go wrong (or the stream was trimmed before they were counted) ...
    await store.redis.hset(store.keys.report_day(DAY), mapping={"ok": 40, "in": 7})
    await store.redis.delete(store.keys.report_list(DAY))
    await store.redis.hset(store.keys.report_day("2026-11-25"), "in", 3)
    await store.redis.hdel(store.keys.mention(mid("a")), "rollup")
    done = await rebuild(rollup_of(client))
    assert done.mentions == 3
    assert await store.redis.hgetall(store.keys.report_day(DAY)) == counted
    assert {h: await store.redis.hgetall(store.keys.report_hour(h)) for h in hours} == hours
    assert not await store.redis.exists(store.keys.report_day("2026-11-25"))
    report = await _report(client, since=DAY, until=DAY)
    assert {k: report["sla"][k] for k in ("need", "ok", "miss")} == {"need": 3, "ok": 1, "miss": 2}
    listed = sorted((r["id"], r["type"]) for r in report["breaches"]["rows"])
    assert listed == sorted((mid(p), t) for p in "bc" for t in ("breached", "escalated"))
    # ... and the step goes on after it: nothing counted twice, new events counted once.
    assert await rollup_of(client).step() == IDLE
    await _approve(client, "b", "bo", draft=0)  # late: its breach already counted it
    await catch_up(client)
    report = await _report(client, since=DAY, until=DAY)
    assert {k: report["sla"][k] for k in ("need", "ok", "miss")} == {"need": 3, "ok": 1, "miss": 2}
    assert report["response_time"]["answered"] == 2 and report["volume"]["rows"][0]["backlog"] == 1
    since = await rebuild(rollup_of(client), date(2026, 11, 21))  # a later day: this one stays
    assert since.wiped == 0
    assert (await _report(client, since=DAY, until=DAY))["sla"] == report["sla"]
