"""Incidents over real HTTP: the lead-only approval of replies to media on a crisis, the
queue pinning one row per incident without hiding breached mentions, an incident's page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from connectors.model import Author, Mention
from responder.services import SERVICES
from responder.store.keys import mention_id
from tests.conftest import ClientAs, MakeClient
from tests.fakes import FakeClock, mention

Client = TestClient[Any, Any]
VICTIM = "@澜星 我的X7昨晚充电的时候起火了，床单烧了一个洞，手还烫伤了"
REPORT = (
    "【网友称澜星X7充电时起火】网友发文称其澜星X7在夜间充电时起火，手部烫伤。"
    "晨锋新闻将持续关注。//@林小满Lin: @澜星 我的X7昨晚充电的时候起火了"
)


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("incidents")  # signed in as amy, an agent


def _id(pid: str) -> str:
    return mention_id("weibo", "lanxing", pid)


def said(pid: str, text: str, name: str, followers: int, clock: FakeClock, **kw: Any) -> Mention:
    big = followers > 10**6  # a news account, verified as media as Weibo says (type 3)
    author = Author(
        id=f"u{pid}",
        name=name,
        followers=followers,
        verified=big,
        verified_type="media" if big else "",
    )
    return mention(pid, text=text, author=author, created_at=clock.now(), **kw)


async def feed(client: Client, clock: FakeClock, *mentions: Mention) -> None:
    app = client.app
    assert isinstance(app, web.Application)
    pipeline = app[SERVICES].pipeline
    assert pipeline is not None
    await pipeline.store.ingest("demo", list(mentions), None, clock.now())
    while await pipeline.run_once():
        pass


async def test_an_agent_may_not_approve_a_reply_to_media_on_a_crisis_a_lead_may(
    client: Client, client_as: ClientAs, clock: FakeClock
) -> None:
    await feed(
        client,
        clock,
        said("1", VICTIM, "林小满Lin", 820, clock),
        said("2", REPORT, "晨锋新闻", 3_820_457, clock),
        said("3", "@澜星 X7 充电起火那个事，我的X7也发烫", "数码大V", 250_000, clock),
    )
    detail = await (await client.get(f"/api/mentions/{_id('2')}")).json()
    reason = detail["approval"]["reason"]
    assert detail["approval"] == {"lead_required": True, "reason": reason, "allowed": False}
    assert "组长" in reason and "媒体" in reason
    refused = await client.post(f"/api/mentions/{_id('2')}/approve", json={"draft": 0})
    assert refused.status == 403
    assert await refused.json() == {"error": reason, "code": "lead_required"}
    big = await client.post(f"/api/mentions/{_id('3')}/reply", json={"text": "已转给负责人"})
    assert big.status == 403 and "粉丝 25万" in (await big.json())["error"]
    own = await client.post(f"/api/mentions/{_id('1')}/approve", json={"draft": 0})
    assert own.status == 200  # the person it happened to: any agent answers
    lee = await client_as(client, "lee")
    assert (await (await lee.get(f"/api/mentions/{_id('2')}")).json())["approval"]["allowed"]
    approved = await lee.post(f"/api/mentions/{_id('2')}/approve", json={"draft": 0})
    assert approved.status == 200 and (await approved.json())["by"] == "lee"


async def test_the_queue_pins_one_row_per_incident_and_keeps_breached_mentions_in_sight(
    client: Client, clock: FakeClock
) -> None:
    late = clock.now() - timedelta(minutes=20)
    ordinary = [
        mention("old1", text="怎么还不发货？？？", created_at=late),
        mention("old2", text="订单三天了还没动静", created_at=late + timedelta(minutes=1)),
        mention("new", text="X7 的相机怎么调夜景", created_at=clock.now()),
    ]
    fires = [
        said(f"f{i}", f"@澜星 我的{product}充电的时候起火了", f"用户{i}", 100 + i, clock)
        for i, product in enumerate(("X7 Pro", "Note", "Buds", "Watch", "Pad"))
    ]
    more = [  # two more mentions of the X7 Pro fire: the biggest incident
        said("r1", "@澜星 X7 Pro充电起火是真的吗 吓人", "路人甲", 40, clock),
        said("r2", "X7 Pro 起火的事 官方出来说一下", "路人乙", 2_000_000, clock),
    ]
    await feed(client, clock, *ordinary, *fires, *more)
    body = await (await client.get("/api/queue")).json()
    items = body["items"]
    assert body["total"] == len(ordinary) + len(fires)  # members are reached from their row
    incidents = [i["incident"]["id"] for i in items if "incident" in i]
    assert len(incidents) == len(set(incidents)) == len(fires)  # one row each
    top = items[0]["incident"]
    assert top["id"] == _id("f0") and top["size"] == 3 and top["reach"] == 100 + 40 + 2_000_000
    assert all("incident" in i for i in items[:3])  # at most three pinned…
    assert [i["id"] for i in items[3:5]] == [_id("old1"), _id("old2")]  # …then the breached
    assert items[0]["id"] == _id("f0") and top["lead"] == _id("f0")


async def test_answering_an_incidents_row_shows_its_next_member_and_the_incident_lists_all(
    client: Client, clock: FakeClock
) -> None:
    victim = said("1", VICTIM, "林小满Lin", 820, clock)
    clock.advance(60)
    report = said("2", REPORT, "晨锋新闻", 3_820_457, clock)
    await feed(client, clock, victim, report)
    found = await (await client.get(f"/api/incidents/{_id('1')}")).json()
    assert [m["id"] for m in found["members"]] == [_id("1"), _id("2")]
    assert found["size"] == 2 and found["lead"] == _id("1") and found["row"] == _id("1")
    assert found["members"][1]["incident"]["id"] == _id("1")
    detail = await (await client.get(f"/api/mentions/{_id('2')}")).json()
    shown = detail["incident"]["members"]  # who each is, not a bare id
    assert [m["id"] for m in shown] == [_id("1"), _id("2")]
    assert shown[0]["name"] == "林小满Lin" and shown[0]["platform"] == "weibo"
    assert shown[0]["text"] and shown[0]["role"] == "customer"
    assert detail["incident"]["size"] == 2
    queue = await (await client.get("/api/queue")).json()
    assert [i["id"] for i in queue["items"]] == [_id("1")]
    done = await client.post(f"/api/mentions/{_id('1')}/approve", json={"draft": 0})
    assert done.status == 200
    queue = await (await client.get("/api/queue")).json()
    assert [i["id"] for i in queue["items"]] == [_id("2")]  # the report now stands for it
    shown = queue["items"][0]["incident"]
    assert {k: shown[k] for k in ("id", "size", "reach", "lead")} == {
        "id": _id("1"),
        "size": 2,
        "reach": 820 + 3_820_457,
        "lead": _id("1"),
    }
    assert shown["severity"] > 0  # the list orders pinned incidents by it
    unknown = await client.get(f"/api/incidents/{'0' * 16}")
    assert unknown.status == 404
