"""无需回复 over real HTTP and the real Redis: what needs no answer takes no timer and no
page and waits in its own view with its reason; an agent moves it into the queue with a
fresh timer, or sets an open one aside; a follow-up that needs an answer moves its
conversation back; every move is in the mention's events and the audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import pytest

from responder.services import STORE
from responder.sla.sweeper import Sweeper
from responder.store.stages import Stage
from responder.store.store import Store
from tests.conftest import MakeClient
from tests.fakes import FakeClock, mention
from tests.workspace import Client, app_of, as_user, feed, mid

NOT_NEEDED = {"chatter", "cheer", "bare_repost", "fan_answered", "bystander_reaction", "spam"}
FAN = "回复 电池焦虑 :老哥别慌 我的也掉了3% 一年掉几个点是正常损耗"
ASK = "@澜星 请问X7支持无线充电吗？"


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("nr")


def _store(client: Client) -> Store:
    return app_of(client)[STORE]


async def _get(client: Client, path: str, **params: Any) -> dict[str, Any]:
    resp = await client.get(path, params=params)
    assert resp.status == 200, await resp.text()
    return cast(dict[str, Any], await resp.json())


async def _fan(client: Client, clock: FakeClock) -> str:
    """Feed a Tieba fan answering another user; return its id."""
    fan = mention("f1", platform="tieba", kind="reply", thread_id="t9", text=FAN, reply_to="user")
    await feed(client, clock, fan)
    return mid("f1", platform="tieba")


async def test_a_fan_answering_a_fan_takes_no_timer_and_waits_in_its_own_view(
    client: Client, clock: FakeClock
) -> None:
    fan = await _fan(client, clock)
    await feed(client, clock, mention("q1", text=ASK))
    queue = await _get(client, "/api/queue")
    assert [i["id"] for i in queue["items"]] == [mid("q1")] and queue["total"] == 1
    aside = await _get(client, "/api/queue", view="no_reply")
    assert aside["total"] == 1 and [i["id"] for i in aside["items"]] == [fan]
    item = aside["items"][0]
    assert (item["state"], item["reply_needed"], item["role"]) == ("no_reply", False, "fan_reply")
    assert item["reply_reason"] in NOT_NEEDED
    assert aside["reasons"] == {item["reply_reason"]: 1}  # counted, by reason
    store = _store(client)
    for stage in (Stage.WARNED, Stage.BREACHED):
        assert await store.redis.zscore(store.keys.due(stage), fan) is None
    clock.advance(30 * 60)
    fired = await Sweeper(store, clock).sweep()
    assert {f.mention_id for f in fired} == {mid("q1")}  # the question's timer only
    events = [e["type"] for e in (await _get(client, f"/api/mentions/{fan}"))["events"]]
    assert events == ["ingested", "scored", "no_reply"]
    assert (await store.stats())["no_reply"] == 1


async def test_needs_reply_moves_it_into_the_queue_with_a_timer_from_that_moment(
    client: Client, clock: FakeClock
) -> None:
    fan = await _fan(client, clock)
    clock.advance(3600)
    resp = await client.post(f"/api/mentions/{fan}/needs_reply", json={"note": "其实在问我们"})
    assert resp.status == 200, await resp.text()
    deadline = clock.now() + timedelta(minutes=15)
    assert (await resp.json())["deadline"] == deadline.isoformat()
    queue = await _get(client, "/api/queue")
    assert [i["id"] for i in queue["items"]] == [fan]
    assert queue["items"][0]["seconds_left"] == 15 * 60
    assert (await _get(client, "/api/queue", view="no_reply"))["total"] == 0
    store = _store(client)
    warn = await store.redis.zscore(store.keys.due(Stage.WARNED), fan)
    assert warn == (clock.now() + timedelta(minutes=10)).timestamp()
    assert await store.redis.ttl(store.keys.mention(fan)) == -1  # kept while open
    detail = await _get(client, f"/api/mentions/{fan}")
    last = detail["events"][-1]
    assert (last["type"], last["actor"], last["note"]) == ("needs_reply", "amy", "其实在问我们")
    again = await client.post(f"/api/mentions/{fan}/needs_reply")
    assert again.status == 409
    audit = await client.get("/api/audit", headers=as_user("lee"))
    rows = (await audit.json())["items"]
    assert any(r["type"] == "needs_reply" and r["mention"] == fan for r in rows), rows
    # Due to warn only; the warning schedules the breach at the fresh deadline.
    assert await store.redis.zscore(store.keys.due(Stage.BREACHED), fan) is None
    clock.advance(10 * 60)
    assert [f.stage for f in await Sweeper(store, clock).sweep()] == ["warned"]
    assert await store.redis.zscore(store.keys.due(Stage.BREACHED), fan) == deadline.timestamp()


async def test_an_agent_sets_an_open_mention_aside_and_takes_it_back(
    client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("q1", text=ASK))
    asked = mid("q1")
    resp = await client.post(f"/api/mentions/{asked}/no_reply", json={"reason": "chatter"})
    assert resp.status == 200, await resp.text()
    assert (await _get(client, "/api/queue"))["total"] == 0
    aside = await _get(client, "/api/queue", view="no_reply")
    assert [(i["id"], i["reply_reason"]) for i in aside["items"]] == [(asked, "chatter")]
    store = _store(client)
    assert await store.redis.zscore(store.keys.due(Stage.BREACHED), asked) is None
    assert await store.redis.ttl(store.keys.mention(asked)) > 0  # expires like a closed one
    bad = await client.post(f"/api/mentions/{asked}/no_reply", json={"reason": "无聊"})
    assert bad.status == 400
    back = await client.post(f"/api/mentions/{asked}/needs_reply")
    assert back.status == 200
    assert [i["id"] for i in (await _get(client, "/api/queue"))["items"]] == [asked]
    types = [e["type"] for e in (await _get(client, f"/api/mentions/{asked}"))["events"]]
    assert types[-2:] == ["marked_no_reply", "needs_reply"]
    audit = await client.get("/api/audit", headers=as_user("lee"))
    assert {"marked_no_reply", "needs_reply"} <= {r["type"] for r in (await audit.json())["items"]}


async def test_the_person_in_a_crisis_cannot_be_set_aside(client: Client, clock: FakeClock) -> None:
    await feed(
        client, clock, mention("c1", text="@澜星 我的X7充电的时候突然冒烟起火了，手都烫伤了")
    )
    crisis = await _get(client, f"/api/mentions/{mid('c1')}")
    assert crisis["crisis"]["flag"] and crisis["reply_needed"] and crisis["state"] == "queued"
    resp = await client.post(f"/api/mentions/{mid('c1')}/no_reply", json={"reason": "other"})
    assert resp.status == 409
    assert "危机" in (await resp.json())["error"]


async def test_a_follow_up_needing_an_answer_moves_its_conversation_back(
    client: Client, clock: FakeClock
) -> None:
    first = mention("h1", platform="tieba", kind="reply", thread_id="t9", text=FAN, reply_to="user")
    await feed(client, clock, first)
    head = mid("h1", platform="tieba")
    assert (await _get(client, f"/api/mentions/{head}"))["state"] == "no_reply"
    clock.advance(120)
    later = clock.now()
    ask = mention(
        "h2",
        platform="tieba",
        kind="reply",
        thread_id="t9",
        text="@澜星 官方能说下 5.1 更新后电池健康掉了 怎么办？",
        created_at=later,
    )
    await feed(client, clock, ask)
    detail = await _get(client, f"/api/mentions/{head}")
    assert (detail["state"], detail["followups"], detail["reply_needed"]) == ("queued", 1, True)
    assert detail["deadline"] == (later + timedelta(minutes=15)).isoformat()
    back = [e for e in detail["events"] if e["type"] == "needs_reply"]
    assert [(e["actor"], e["mention"]) for e in back] == [("pipeline", mid("h2", platform="tieba"))]
    assert [i["id"] for i in (await _get(client, "/api/queue"))["items"]] == [head]
    assert (await _get(client, "/api/queue", view="no_reply"))["total"] == 0
    assert (await _store(client).stats())["needs_reply"] == 1
