"""Team tools over the API with the real Redis: internal notes (never sent), hand-off to a
named colleague, and the away status that keeps hand-offs from someone on a break."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import ClientAs, MakeClient
from tests.fakes import FakeClock, mention
from tests.workspace import feed, mid

Client = TestClient[Any, Any]
MID = mid("1")


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("team")  # amy


async def _item(client: Client) -> dict[str, Any]:
    body: dict[str, Any] = await (await client.get(f"/api/mentions/{MID}")).json()
    return body


async def test_a_note_is_kept_in_the_log_and_never_sent(client: Client, clock: FakeClock) -> None:
    await feed(client, clock, mention("1"))
    added = await client.post(f"/api/mentions/{MID}/notes", json={"text": " 老客户，上周也问过 "})
    assert added.status == 200 and (await added.json())["text"] == "老客户，上周也问过"
    item = await _item(client)
    noted = [e for e in item["events"] if e["type"] == "noted"]
    assert [(e["actor"], e["note"]) for e in noted] == [("amy", "老客户，上周也问过")]
    assert item["state"] == "queued" and item["reply_text"] is None  # nothing sent or closed
    approved = await client.post(f"/api/mentions/{MID}/approve", json={"text": "来啦"})
    assert (await approved.json())["text"] == "来啦"
    late = await client.post(f"/api/mentions/{MID}/notes", json={"text": "已回复，等他反馈"})
    assert late.status == 200  # notes go on after it is answered too


@pytest.mark.parametrize(
    ("body", "status"),
    [({"text": "   "}, 400), ({}, 400), ({"text": "x" * 1001}, 400), ({"text": 3}, 400)],
)
async def test_a_bad_note_is_refused(
    client: Client, clock: FakeClock, body: dict[str, Any], status: int
) -> None:
    await feed(client, clock, mention("1"))
    answer = await client.post(f"/api/mentions/{MID}/notes", json=body)
    assert answer.status == status and "error" in await answer.json()
    assert not [e for e in (await _item(client))["events"] if e["type"] == "noted"]


async def test_a_note_on_an_unknown_mention_is_404(client: Client) -> None:
    assert (await client.post(f"/api/mentions/{MID}/notes", json={"text": "x"})).status == 404


async def test_a_hand_off_gives_the_claim_to_the_colleague(
    client: Client, clock: FakeClock, client_as: ClientAs
) -> None:
    await feed(client, clock, mention("1"))
    given = await client.post(f"/api/mentions/{MID}/handoff", json={"to": "bo", "note": "你熟"})
    assert given.status == 200 and (await given.json())["to"] == "bo"
    item = await _item(client)
    assert item["claimed_by"] == "bo"
    handed = [e for e in item["events"] if e["type"] == "handed_off"]
    assert [(e["actor"], e["to"], e["note"]) for e in handed] == [("amy", "bo", "你熟")]
    refused = await client.post(f"/api/mentions/{MID}/approve", json={"text": "我来"})
    assert refused.status == 409  # it is bo's now
    bo = await client_as(client, "bo")
    assert (await bo.post(f"/api/mentions/{MID}/approve", json={"text": "我来"})).status == 200


@pytest.mark.parametrize(
    ("to", "status", "words"),
    [("nobody", 400, "没有叫 nobody 的同事"), ("amy", 400, "不能转给自己"), ("", 400, "")],
)
async def test_a_hand_off_to_nobody_or_oneself_is_refused(
    client: Client, clock: FakeClock, to: str, status: int, words: str
) -> None:
    await feed(client, clock, mention("1"))
    answer = await client.post(f"/api/mentions/{MID}/handoff", json={"to": to})
    assert answer.status == status and words in (await answer.json())["error"]
    assert (await _item(client))["claimed_by"] is None


async def test_nobody_gets_a_hand_off_while_away(
    client: Client, clock: FakeClock, client_as: ClientAs
) -> None:
    await feed(client, clock, mention("1"))
    bo = await client_as(client, "bo")
    assert (await bo.post("/api/me/away", json={"away": True})).status == 200
    people = {p["name"]: p for p in (await (await client.get("/api/team")).json())["people"]}
    assert people["bo"]["away"] is True and people["amy"]["away"] is False
    assert people["bo"]["away_since"] == clock.now().isoformat()
    refused = await client.post(f"/api/mentions/{MID}/handoff", json={"to": "bo"})
    assert refused.status == 409 and (await refused.json())["code"] == "away"
    assert (await bo.post("/api/me/away", json={"away": False})).status == 200
    assert (await client.post(f"/api/mentions/{MID}/handoff", json={"to": "bo"})).status == 200
    assert (await client.post("/api/me/away", json={"away": "yes"})).status == 400


async def test_what_cannot_be_handed_off(
    client: Client, clock: FakeClock, client_as: ClientAs
) -> None:
    await feed(client, clock, mention("1"), mention("2"))
    lee = await client_as(client, "lee")
    assert (await lee.post(f"/api/mentions/{MID}/claim")).status == 200
    taken = await client.post(f"/api/mentions/{MID}/handoff", json={"to": "bo"})
    assert taken.status == 409  # lee is on it
    assert (await client.post(f"/api/mentions/{mid('2')}/dismiss", json={})).status == 200
    closed = await client.post(f"/api/mentions/{mid('2')}/handoff", json={"to": "bo"})
    assert closed.status == 409
    gone = await client.post(f"/api/mentions/{mid('9')}/handoff", json={"to": "bo"})
    assert gone.status == 404
    assert (await lee.post(f"/api/mentions/{MID}/handoff", json={"to": "bo"})).status == 200


async def test_a_claim_let_go_is_free_for_others_and_logged(
    client: Client, clock: FakeClock, client_as: ClientAs
) -> None:
    await feed(client, clock, mention("1"))
    assert (await client.post(f"/api/mentions/{MID}/claim")).status == 200
    bo = await client_as(client, "bo")
    mine = await bo.post(f"/api/mentions/{MID}/release")
    assert mine.status == 409 and (await mine.json())["code"] == "not_holder"
    resp = await client.post(f"/api/mentions/{MID}/release")
    assert resp.status == 200 and (await resp.json())["released"] is True
    item = await _item(client)
    assert item["claimed_by"] is None and item["events"][-1]["type"] == "released"
    free = await (await bo.get("/api/queue", params={"view": "unassigned"})).json()
    assert [i["id"] for i in free["items"]] == [MID]
    again = await client.post(f"/api/mentions/{MID}/release")  # nothing left to let go
    assert again.status == 409 and (await again.json())["claimed_by"] is None
    assert (await bo.post(f"/api/mentions/{MID}/claim")).status == 200  # bo may take it now
    clock.advance(6 * 60)  # bo's claim ran out: it is nobody's to let go
    assert (await bo.post(f"/api/mentions/{MID}/release")).status == 409
    assert (await client.post(f"/api/mentions/{mid('9')}/release")).status == 404
    assert (await client.post(f"/api/mentions/{MID}/release", json={"x": 1})).status == 400


async def test_notes_and_hand_offs_are_in_the_audit_log(
    client: Client, clock: FakeClock, client_as: ClientAs
) -> None:
    await feed(client, clock, mention("1"))
    await client.post(f"/api/mentions/{MID}/notes", json={"text": "先安抚"})
    await client.post(f"/api/mentions/{MID}/handoff", json={"to": "bo", "note": "交给你"})
    lee = await client_as(client, "lee")
    rows = (await (await lee.get("/api/audit")).json())["items"]
    shown = [(r["type_label"], r["actor"], r["text"]) for r in rows[:2]]
    assert shown == [("转交", "amy", "交给你"), ("内部备注", "amy", "先安抚")]
