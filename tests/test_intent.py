"""Correcting a mention's intent, and the stale-draft block on approve, over real HTTP."""

from __future__ import annotations

import json
from typing import cast

import pytest

from responder.services import STORE
from responder.store.intent import training_key
from tests.conftest import MakeClient
from tests.fakes import FakeClock, mention
from tests.workspace import Client, app_of, feed, mid

UNKNOWN = "0" * 16
Entries = list[tuple[str, dict[str, str]]]  # a stream read (decode_responses)


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("intent")


async def test_intent_correction_is_shown_logged_and_kept(client: Client, clock: FakeClock) -> None:
    await feed(client, clock, mention("1", text="X7 太卡了"))
    m = mid("1")
    model = (await (await client.get(f"/api/mentions/{m}")).json())["intent"]
    clock.advance(30)
    resp = await client.post(f"/api/mentions/{m}/intent", json={"intent": "after_sales"})
    assert resp.status == 200
    assert await resp.json() == {"id": m, "intent": "after_sales", "by": "amy"}
    detail = await (await client.get(f"/api/mentions/{m}")).json()
    assert (detail["intent"], detail["intent_corrected"]) == ("after_sales", "after_sales")
    last = detail["events"][-1]
    assert last == {
        "type": "intent_corrected",
        "at": clock.now().timestamp(),
        "actor": "amy",
        "intent": "after_sales",
        "was": model or "",
    }
    store = app_of(client)[STORE]
    stream = cast(Entries, await store.redis.xrevrange(store.keys.events, count=1))
    assert stream[0][1]["type"] == "intent_corrected" and stream[0][1]["mention"] == m
    samples = cast(Entries, await store.redis.xrange(training_key(store.keys)))
    sample = json.loads(samples[0][1]["sample"])
    assert sample == {
        "text": "X7 太卡了",
        "intent": "after_sales",
        "agent": "amy",
        "at": clock.now().timestamp(),
        "model_intent": model or "",
    }
    assert await store.corrections() == []  # the sentiment samples stay labels only
    # A second correction records what the agent saw (the first correction).
    await client.post(f"/api/mentions/{m}/intent", json={"intent": "lag"})
    detail = await (await client.get(f"/api/mentions/{m}")).json()
    assert detail["events"][-1]["was"] == "after_sales" and detail["intent"] == "lag"


@pytest.mark.parametrize(
    ("path", "body", "status", "error"),
    [
        ("/api/mentions/{id}/intent", {"intent": "weather"}, 400, '"intent" must be one of'),
        ("/api/mentions/{id}/intent", {}, 400, 'body must have a non-empty "intent"'),
        ("/api/mentions/{id}/intent", {"intent": "lag", "x": 1}, 400, 'unknown field "x"'),
        (f"/api/mentions/{UNKNOWN}/intent", {"intent": "lag"}, 404, "no mention with id"),
    ],
)
async def test_bad_intent_corrections_are_refused(
    client: Client, clock: FakeClock, path: str, body: object, status: int, error: str
) -> None:
    await feed(client, clock, mention("1"))
    resp = await client.post(path.format(id=mid("1")), json=body)
    assert resp.status == status
    assert (await resp.json())["error"].startswith(error)


async def test_approve_is_refused_when_the_author_wrote_again(
    client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1", thread_id="t"))
    m = mid("1")
    seen = (await (await client.get(f"/api/mentions/{m}")).json())["seen"]
    assert seen == "0"
    await feed(client, clock, mention("2", thread_id="t", text="人呢？？😡"))
    for path, body in (("approve", {"draft": 0}), ("reply", {"text": "您好，马上为您查看"})):
        resp = await client.post(f"/api/mentions/{m}/{path}", json={**body, "seen": seen})
        assert resp.status == 409
        answer = await resp.json()
        assert answer == {
            "error": "对方又发了新消息，请先看完最新内容再回复",
            "code": "stale",
            "seen": "1",
        }
    detail = await (await client.get(f"/api/mentions/{m}")).json()
    assert detail["state"] == "queued" and detail["seen"] == "1"
    assert [t["text"] for t in detail["thread"]] == ["人呢？？😡"]
    resp = await client.post(
        f"/api/mentions/{m}/reply", json={"text": "您好，马上为您查看", "seen": detail["seen"]}
    )
    assert resp.status == 200, await resp.text()


async def test_without_seen_approve_behaves_as_before(client: Client, clock: FakeClock) -> None:
    await feed(client, clock, mention("1", thread_id="t"), mention("2", thread_id="t"))
    resp = await client.post(f"/api/mentions/{mid('1')}/reply", json={"text": "您好，已收到"})
    assert resp.status == 200


async def test_a_malformed_seen_is_refused(client: Client, clock: FakeClock) -> None:
    await feed(client, clock, mention("1"))
    for seen in ("abc", "-1", 3):
        resp = await client.post(
            f"/api/mentions/{mid('1')}/reply", json={"text": "您好", "seen": seen}
        )
        assert resp.status == 400
        assert (await resp.json())["field"] == "seen"
