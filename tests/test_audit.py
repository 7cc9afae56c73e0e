"""The audit log and its CSV over real HTTP, backed by the real Redis; leads only."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from responder.alerts.store import AlertStore
from responder.config import defaults
from responder.pipeline.scoring import ScoringPool
from responder.services import STORE
from responder.store.records import EventType, event
from responder.web import labels
from tests.conftest import USERS
from tests.fakes import FakeClock, entries, mention
from tests.workspace import Client, app_of, as_user, feed, mid, user_client


@pytest.fixture
async def client(
    aiohttp_client: Any,
    redis: Any,
    redis_url: str,
    scoring_pool: ScoringPool,
    clock: FakeClock,
    data_dir: Path,
) -> Client:
    return await user_client(aiohttp_client, redis_url, scoring_pool, clock, data_dir)


LEAD = as_user("lee")
# Fails the style check (a smile to an angry author): sent with an override, recorded.
REPLY = {"text": "抱歉，马上帮您看😀𠮷", "override": True, "override_reason": "对方先发的表情"}


async def _act(client: Client, clock: FakeClock) -> None:
    """Mentions 1-3 queued at T0; then a minute apart: amy claims 1, corrects its
    sentiment and intent, replies past the style check; bo dismisses 2 with a reason that
    looks like a formula."""
    await feed(client, clock, mention("1"), mention("2"), mention("3"))
    amy = as_user("amy")
    steps: list[tuple[str, dict[str, Any] | None, dict[str, str]]] = [
        (f"/api/mentions/{mid('1')}/claim", None, amy),
        (f"/api/mentions/{mid('1')}/sentiment", {"label": "negative"}, amy),
        (f"/api/mentions/{mid('1')}/intent", {"intent": "lag"}, amy),
        (f"/api/mentions/{mid('1')}/reply", REPLY, amy),
        (f"/api/mentions/{mid('2')}/dismiss", {"reason": "=广告+1"}, as_user("bo")),
    ]
    for path, body, headers in steps:
        clock.advance(60)
        resp = await client.post(path, json=body, headers=headers)
        assert resp.status == 200, await resp.text()


async def test_people_actions_newest_first_with_what_was_sent(
    client: Client, clock: FakeClock
) -> None:
    await _act(client, clock)
    resp = await client.get("/api/audit", headers=LEAD)
    assert resp.status == 200
    body = await resp.json()
    assert body["timezone"] == "Asia/Shanghai"
    rows = body["items"]
    assert [(r["type"], r["actor"]) for r in rows] == [
        ("dismissed", "bo"),
        ("approved", "amy"),
        ("intent_corrected", "amy"),
        ("corrected", "amy"),
        ("claimed", "amy"),
    ]
    approved = rows[1]
    assert approved["mention"] == mid("1") and approved["text"] == "抱歉，马上帮您看😀𠮷"
    assert approved["details"]["draft_use"] == "written"
    override = approved["details"]["override"]
    assert override["reason"] == "对方先发的表情"
    assert [f["rule"] for f in override["findings"]] == ["laughing"]
    assert approved["at"] == "2026-11-20T01:04:00+00:00"
    assert approved["at_local"] == "2026-11-20T09:04:00+08:00"
    assert approved["type_label"] == "批准回复"
    assert rows[0]["text"] == "=广告+1"
    assert rows[2]["text"] == "lag" and "was" in rows[2]["details"]


async def test_filters_by_actor_type_and_time(client: Client, clock: FakeClock) -> None:
    await _act(client, clock)

    async def types(**params: str) -> list[str]:
        resp = await client.get("/api/audit", params=params, headers=LEAD)
        assert resp.status == 200, await resp.text()
        return [r["type"] for r in (await resp.json())["items"]]

    assert await types(actor="bo") == ["dismissed"]
    assert await types(type="approved,dismissed") == ["dismissed", "approved"]
    every = await types(type="all")
    assert "queued" in every and "scored" in every and len(every) > 5
    # T0 is 09:00 in Shanghai; the actions are at 09:01 to 09:05.
    assert await types(since="2026-11-20T09:03:00", until="2026-11-20T09:05") == [
        "approved",
        "intent_corrected",
    ]
    assert await types(since="2026-11-20T01:04:30Z") == ["dismissed"]
    assert await types(limit="2") == ["dismissed", "approved"]


async def test_csv_download_opens_in_excel(client: Client, clock: FakeClock) -> None:
    await _act(client, clock)
    resp = await client.get("/api/audit", params={"format": "csv"}, headers=LEAD)
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.headers["Content-Disposition"] == (
        'attachment; filename="tiexin-audit-20261120-0905.csv"'
    )
    raw = await resp.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["时间", "操作人", "操作", "提及ID", "提及内容", "内容", "详情"]
    text = (await (await client.get(f"/api/mentions/{mid('2')}")).json())["text"]
    assert rows[1][:6] == ["2026-11-20 09:05:00", "bo", "忽略", mid("2"), text, "'=广告+1"]
    assert rows[2][:6] == [
        "2026-11-20 09:04:00",
        "amy",
        "批准回复",
        mid("1"),
        text,  # the test mentions share their text
        "抱歉，马上帮您看😀𠮷",
    ]
    assert '"draft_use": "written"' in rows[2][6]
    assert len(rows) == 6


async def test_agents_may_not_read_it(client: Client, clock: FakeClock) -> None:
    resp = await client.get("/api/audit", headers=as_user("amy"))
    assert resp.status == 403
    assert await resp.json() == {"error": "需要组长权限"}
    resp = await client.get("/api/audit", params={"format": "csv"}, headers=as_user("amy"))
    assert resp.status == 403
    admin = await client.get("/api/audit", headers=as_user("ada"))
    assert admin.status == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "hacked"}, "type"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-01"}, "until"),
        ({"limit": "0"}, "limit"),
        ({"limit": "10001"}, "limit"),
        ({"format": "xlsx"}, "format"),
    ],
)
async def test_bad_parameters_are_refused(
    client: Client, params: dict[str, str], field: str
) -> None:
    resp = await client.get("/api/audit", params=params, headers=LEAD)
    assert resp.status == 400
    assert (await resp.json())["field"] == field


async def test_who_was_paged_is_in_the_audit_log(client: Client, clock: FakeClock) -> None:
    await feed(client, clock, mention("1"))
    alerts = AlertStore(app_of(client)[STORE])
    clock.advance(600)
    paged = event(EventType.PAGED, clock.now(), "notifier", stage="warned", channel="ding")
    await alerts.log([mid("1")], paged)
    held = event(EventType.PAGE_HELD, clock.now(), "notifier", stage="breached")
    await alerts.log([mid("1")], held)
    resp = await client.get("/api/audit", headers=LEAD)
    rows = (await resp.json())["items"]
    assert [(r["type"], r["type_label"], r["mention"]) for r in rows] == [
        ("page_held", "静默时段未通知", mid("1")),
        ("paged", "已通知", mid("1")),
    ]
    assert rows[1]["details"]["channel"] == "ding"


async def test_the_pipeline_steps_of_a_mention_show_as_three_rows_from_one_entry(
    client: Client, clock: FakeClock
) -> None:
    await _act(client, clock)
    store = app_of(client)[STORE]
    queued = [f for _, f in await entries(store.redis, store.keys.events) if f["type"] == "queued"]
    assert len(queued) == 3 and all("before" in f for f in queued)  # one entry a mention
    resp = await client.get("/api/audit", params={"type": "ingested,scored,queued"}, headers=LEAD)
    rows = (await resp.json())["items"]
    assert [r["mention"] for r in rows] == [
        m for m in (mid("3"), mid("2"), mid("1")) for _ in "abc"
    ]
    assert [r["type"] for r in rows[:3]] == ["queued", "scored", "ingested"]
    assert [r["type_label"] for r in rows[:3]] == ["进入队列", "评分", "收录"]
    assert {r["actor"] for r in rows if r["type"] != "ingested"} == {"pipeline"}
    logged = {e["type"]: e for e in await store.events_of(mid("3"))}
    for row in rows[:3]:
        assert row["actor"] == logged[row["type"]]["actor"]


async def test_the_log_names_people_the_system_and_the_mention(
    client: Client, clock: FakeClock
) -> None:
    await _act(client, clock)
    body = await (await client.get("/api/audit", params={"type": "all"}, headers=LEAD)).json()
    text = (await (await client.get(f"/api/mentions/{mid('1')}")).json())["text"]
    by_actor = {row["actor"]: row["actor_label"] for row in body["items"]}
    assert by_actor["amy"] == "amy" and by_actor["pipeline"] == "系统"
    assert {row["mention_text"] for row in body["items"]} == {text}


def test_actors_are_called_by_their_display_names() -> None:
    people = (replace(USERS[0], name="wang", display="王小美"),)
    names = labels.actors(replace(defaults(), users=people))
    assert (names["wang"], names["sla"], names["pipeline"]) == ("王小美", "超时计时", "系统")
    accounts = {"weibo/lanxing": "澜星官方微博"}
    assert labels.account_name(accounts, "weibo", "lanxing") == "澜星官方微博"
    assert labels.account_name(accounts, "wechat", "lanxing") == "lanxing"
