"""The queue API over real HTTP, backed by the real Redis."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from responder.services import SERVICES, STORE
from responder.store.keys import mention_id
from tests.conftest import ClientAs, MakeClient
from tests.fakes import FakeClock, mention

Client = TestClient[Any, Any]
UNKNOWN = "0" * 16  # a well-formed id that no mention has


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("api")  # signed in as amy (tests/conftest.py USERS)


@pytest.fixture
async def bo(client: Client, client_as: ClientAs) -> Client:
    return await client_as(client, "bo")  # amy's colleague, on the same app


async def _feed(client: Client, clock: FakeClock, *mentions: Any) -> None:
    pipeline = _app(client)[SERVICES].pipeline
    assert pipeline is not None
    await pipeline.store.ingest("demo", list(mentions), None, clock.now())
    await pipeline.run_once()


def _app(client: Client) -> web.Application:
    app = client.app
    assert isinstance(app, web.Application)
    return app


def _id(pid: str) -> str:
    return mention_id("weibo", "lanxing", pid)


async def test_queue_is_ordered_by_deadline_with_time_left(
    client: Client, clock: FakeClock
) -> None:
    late = mention("late", text="谢谢澜星，X7 拍照太好看了[心]")
    early = mention(
        "early", created_at=clock.now() - timedelta(minutes=5), text="怎么还不发货？？？"
    )
    await _feed(client, clock, late, early)
    clock.advance(60)
    resp = await client.get("/api/queue")
    assert resp.status == 200
    body = await resp.json()
    assert body["total"] == 2
    assert [i["id"] for i in body["items"]] == [_id("early"), _id("late")]
    first = body["items"][0]
    assert first["seconds_left"] == 15 * 60 - 5 * 60 - 60
    assert first["text"] == "怎么还不发货？？？"
    assert first["author"] == {
        "id": "u1",
        "name": "小王",
        "followers": 12,
        "verified": False,
        "verified_type": None,
    }
    assert first["sentiment"]["label"] in {"negative", "neutral", "positive"}
    assert 0 <= first["sentiment"]["score"] <= 1
    for key in ("platform", "account", "created_at", "deadline", "ingest_lag_s", "at_risk"):
        assert key in first


@pytest.mark.layouts
async def test_reply_takes_the_mention_out_and_records_who_and_when(
    client: Client, clock: FakeClock
) -> None:
    await _feed(client, clock, mention("1"))
    clock.advance(90)
    resp = await client.post(
        f"/api/mentions/{_id('1')}/reply", json={"text": "抱歉抱歉，马上帮你看"}
    )
    assert resp.status == 200
    assert (await resp.json())["by"] == "amy"
    assert (await (await client.get("/api/queue")).json())["total"] == 0
    detail = await (await client.get(f"/api/mentions/{_id('1')}")).json()
    assert detail["state"] == "approved" and detail["reply_text"] == "抱歉抱歉，马上帮你看"
    assert detail["closed_by"] == "amy" and detail["closed_at"] == clock.now().isoformat()
    assert [e["type"] for e in detail["events"]][-1] == "approved"
    again = await client.post(f"/api/mentions/{_id('1')}/dismiss")
    assert again.status == 409
    assert (await again.json()) == {"error": f"mention {_id('1')} is already approved"}


async def test_dismiss_records_reason_and_the_signed_in_agent(
    client: Client, bo: Client, clock: FakeClock
) -> None:
    await _feed(client, clock, mention("1", text="@澜星 X7 又卡了，怎么办？"))
    resp = await bo.post(f"/api/mentions/{_id('1')}/dismiss", json={"reason": "spam"})
    assert resp.status == 200
    detail = await (await client.get(f"/api/mentions/{_id('1')}")).json()
    assert (detail["state"], detail["dismiss_reason"], detail["closed_by"]) == (
        "dismissed",
        "spam",
        "bo",
    )


async def test_thread_shows_follow_ups(client: Client, clock: FakeClock) -> None:
    await _feed(
        client, clock, mention("1", thread_id="t"), mention("2", thread_id="t", text="人呢")
    )
    body = await (await client.get("/api/queue")).json()
    assert body["total"] == 1 and body["items"][0]["followups"] == 1
    detail = await (await client.get(f"/api/mentions/{_id('1')}")).json()
    assert [m["text"] for m in detail["thread"]] == ["人呢"]


@pytest.mark.parametrize(
    ("path", "body", "status", "error"),
    [
        (f"/api/mentions/{UNKNOWN}/reply", {"text": "hi"}, 404, f"no mention with id {UNKNOWN}"),
        ("/api/mentions/{id}/reply", {"text": "  "}, 400, '"text" must have a visible character'),
        ("/api/mentions/{id}/reply", {}, 400, 'body must have a non-empty "text"'),
        ("/api/mentions/{id}/reply", b"{oops", 400, "body is not valid JSON"),
        ("/api/mentions/{id}/reply", [1], 400, "body must be a JSON object"),
        ("/api/mentions/{id}/reply", {"text": "x" * 2001}, 400, '"text" is 2001 characters'),
        ("/api/mentions/{id}/dismiss", {"reason": 5}, 400, '"reason" must be a string'),
        (
            "/api/mentions/{id}/reply",
            {"text": "ok", "agent": "bo"},
            400,
            'unknown field "agent"',  # who answers comes from the login, never the body
        ),
        ("/api/queue?limit=0", None, 400, "limit must be an integer from 1 to 1000"),
        (f"/api/mentions/{UNKNOWN}", None, 404, f"no mention with id {UNKNOWN}"),
    ],
)
async def test_bad_requests_get_clear_errors_and_change_nothing(
    client: Client, clock: FakeClock, path: str, body: Any, status: int, error: str
) -> None:
    await _feed(client, clock, mention("1"))
    url = path.replace("{id}", _id("1"))
    if body is None:
        resp = await client.get(url)
    elif isinstance(body, bytes):
        resp = await client.post(url, data=body)
    else:
        resp = await client.post(url, json=body)
    assert resp.status == status
    assert (await resp.json())["error"].startswith(error)
    assert (await (await client.get("/api/queue")).json())["total"] == 1


async def test_oversized_body_is_refused(client: Client, clock: FakeClock) -> None:
    await _feed(client, clock, mention("1"))
    resp = await client.post(f"/api/mentions/{_id('1')}/reply", data=b"x" * (65 * 1024))
    assert resp.status == 413
    assert (await (await client.get("/api/queue")).json())["total"] == 1


@pytest.mark.layouts
async def test_health_lists_stats(client: Client, clock: FakeClock) -> None:
    await _feed(client, clock, mention("1"), mention("1"))
    body = await (await client.get("/api/health")).json()
    assert body["queued"] == 1 and body["stats"]["duplicates"] == 1


async def test_a_claim_keeps_other_agents_out_until_it_expires(
    client: Client, bo: Client, clock: FakeClock
) -> None:
    await _feed(client, clock, mention("1"))
    url = f"/api/mentions/{_id('1')}"
    claimed = await client.post(f"{url}/claim")
    assert claimed.status == 200 and (await claimed.json())["claimed_by"] == "amy"
    taken = await bo.post(f"{url}/claim")
    assert taken.status == 409
    assert (await taken.json())["error"] == f"mention {_id('1')} is claimed by amy"
    blocked = await bo.post(f"{url}/reply", json={"text": "来了"})
    assert blocked.status == 409
    clock.advance(5 * 60)  # amy walked away: her claim expired
    assert (await bo.post(f"{url}/claim")).status == 200
    assert (await bo.post(f"{url}/reply", json={"text": "来了"})).status == 200
    events = (await (await client.get(url)).json())["events"]
    assert [(e["type"], e["actor"]) for e in events if e["type"] in {"claimed", "approved"}] == [
        ("claimed", "amy"),
        ("claimed", "bo"),
        ("approved", "bo"),
    ]


async def test_the_claiming_agent_renews_and_replies(
    client: Client, bo: Client, clock: FakeClock
) -> None:
    await _feed(client, clock, mention("1"))
    url = f"/api/mentions/{_id('1')}"
    await client.post(f"{url}/claim")
    clock.advance(240)
    await client.post(f"{url}/claim")  # renewal: no second event
    clock.advance(240)
    assert (await bo.post(f"{url}/claim")).status == 409
    assert (await client.post(f"{url}/reply", json={"text": "好的"})).status == 200
    detail = await (await client.get(url)).json()
    assert [e["type"] for e in detail["events"]].count("claimed") == 1
    assert (await client.post(f"{url}/claim")).status == 409


async def test_agents_correct_sentiment_and_it_becomes_training_data(
    client: Client, bo: Client, clock: FakeClock
) -> None:
    await _feed(client, clock, mention("1", text="真是太好了，又卡死了[微笑]"))
    url = f"/api/mentions/{_id('1')}"
    bad = await client.post(f"{url}/sentiment", json={"label": "angry"})
    assert bad.status == 400
    assert (
        await client.post(f"/api/mentions/{UNKNOWN}/sentiment", json={"label": "negative"})
    ).status == 404
    first = await client.post(f"{url}/sentiment", json={"label": "positive"})
    assert first.status == 200
    again = await bo.post(f"{url}/sentiment", json={"label": "negative"})
    assert again.status == 200
    detail = await (await client.get(url)).json()
    assert detail["sentiment"]["corrected"] == "negative"
    assert [e["actor"] for e in detail["events"] if e["type"] == "corrected"] == ["amy", "bo"]
    store = _app(client)[STORE]
    samples = await store.corrections()
    assert len(samples) == 1  # one per mention: the latest correction wins
    assert samples[0]["text"] == "真是太好了，又卡死了[微笑]" and samples[0]["label"] == "negative"
