"""Send with undo, over the API with the real Redis and the fake forum on real HTTP: an
approval waits out its send delay; undone within it, the forum sees no call; after it,
exactly one. Nobody else acts on a held mention, and its SLA stages wait for the outcome."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from responder.config import OutboxConfig
from responder.outbox.sender import Sender
from responder.services import SERVICES
from responder.store.keys import mention_id
from responder.web.approving import Committer
from tests.conftest import ClientAs, MakeClient
from tests.fake_forum import Forum
from tests.fakes import FakeClock, mention
from tests.forum_outbox import background, posts
from tests.workspace import app_of, feed

Client = TestClient[Any, Any]
POST = mention("101", platform="forum", kind="comment", thread_id="7", text="@澜星 充电好慢")
MID = mention_id("forum", "lanxing", "101")
TEXT = "来啦，马上帮你看看充电的事"


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("undo", outbox=OutboxConfig(undo_seconds=10))


async def _item(client: Client) -> dict[str, Any]:
    answer = await client.get(f"/api/mentions/{MID}")
    assert answer.status == 200
    body: dict[str, Any] = await answer.json()
    return body


async def test_an_undo_within_the_delay_sends_nothing(
    client: Client, clock: FakeClock, sender: Sender, forum: tuple[Forum, str]
) -> None:
    await feed(client, clock, POST)
    answer = await client.post(f"/api/mentions/{MID}/approve", json={"text": TEXT})
    assert answer.status == 200
    body = await answer.json()
    assert body["state"] == "held" and body["text"] == TEXT
    assert body["held_until"] == (clock.now() + timedelta(seconds=10)).isoformat()
    item = await _item(client)
    assert (item["state"], item["held_by"], item["claimed_by"]) == ("queued", "amy", "amy")
    clock.advance(9)
    await background(client, sender)
    assert posts(forum[0]) == 0 and (await _item(client))["state"] == "queued"
    undone = await client.post(f"/api/mentions/{MID}/undo")
    assert undone.status == 200 and (await undone.json())["state"] == "queued"
    clock.advance(60)
    await background(client, sender)
    assert posts(forum[0]) == 0
    item = await _item(client)
    assert item["state"] == "queued" and item["held_by"] is None and item["reply_text"] is None
    assert [e["type"] for e in item["events"]][-2:] == ["held", "undone"]
    again = await client.post(f"/api/mentions/{MID}/undo")
    assert again.status == 409 and (await again.json())["code"] == "not_held"


async def test_after_the_delay_it_goes_out_exactly_once(
    client: Client, clock: FakeClock, sender: Sender, forum: tuple[Forum, str]
) -> None:
    await feed(client, clock, POST)
    approved_at = clock.now()
    assert (await client.post(f"/api/mentions/{MID}/approve", json={"text": TEXT})).status == 200
    clock.advance(10)
    await background(client, sender)
    await background(client, sender)  # a second look, as another process would: nothing more
    assert posts(forum[0]) == 1 and forum[0].replies[0]["raw"] == TEXT
    item = await _item(client)
    assert item["state"] == "sent" and item["reply_text"] == TEXT and item["held_by"] is None
    assert item["closed_at"] == approved_at.isoformat()  # answered when the agent approved
    late = await client.post(f"/api/mentions/{MID}/undo")
    assert late.status == 409 and "无法撤销" in (await late.json())["error"]


async def test_nobody_else_acts_on_a_held_mention(
    client: Client, clock: FakeClock, client_as: ClientAs
) -> None:
    await feed(client, clock, POST)
    assert (await client.post(f"/api/mentions/{MID}/approve", json={"draft": 0})).status == 200
    bo, lee = await client_as(client, "bo"), await client_as(client, "lee")
    for who, path, body in (
        (bo, "approve", {"text": "我来回"}),
        (bo, "dismiss", {}),
        (client, "dismiss", {}),  # amy too: her approval is on its way
        (client, "approve", {"text": "改一下"}),
    ):
        refused = await who.post(f"/api/mentions/{MID}/{path}", json=body)
        assert refused.status == 409, (path, await refused.text())
    assert (await bo.post(f"/api/mentions/{MID}/undo")).status == 403  # not hers to undo
    assert (await lee.post(f"/api/mentions/{MID}/undo")).status == 200  # a lead may
    assert (await bo.post(f"/api/mentions/{MID}/approve", json={"text": "我来回"})).status == 409
    # ...amy still holds the claim her approval took: she edits and approves again.
    fixed = await client.post(f"/api/mentions/{MID}/approve", json={"text": "改一下"})
    assert fixed.status == 200 and (await fixed.json())["state"] == "held"


async def test_the_same_approval_sent_again_is_answered_as_the_first(
    client: Client, clock: FakeClock, client_as: ClientAs
) -> None:
    """Its answer did not arrive (a 503 while Redis's replicas lagged, a dropped
    connection), so the agent approves again: held or committed, the retry is answered as
    the first was, and nothing is approved twice. Anyone else, or another text, is 409."""
    await feed(client, clock, POST)
    approve = f"/api/mentions/{MID}/approve"
    first = await (await client.post(approve, json={"text": TEXT})).json()
    again = await client.post(approve, json={"text": TEXT})
    assert again.status == 200 and await again.json() == {**first, "again": True}
    bo = await client_as(client, "bo")
    assert (await bo.post(approve, json={"text": TEXT})).status == 409
    assert (await client.post(approve, json={"text": "改一下"})).status == 409

    clock.advance(10)
    await Committer(app_of(client)).step()  # the delay ended: approved
    again = await client.post(approve, json={"text": TEXT})
    assert again.status == 200
    body = await again.json()
    assert (body["state"], body["again"], body["text"]) == ("approved", True, TEXT)
    assert "held_until" not in body
    assert (await bo.post(approve, json={"text": TEXT})).status == 409
    events = [e["type"] for e in (await _item(client))["events"]]
    assert events.count("held") == 1 and events.count("approved") == 1


async def test_sla_stages_wait_for_a_held_approval(client: Client, clock: FakeClock) -> None:
    """Approved a second before the breach: no breach while it waits; undone, the breach
    fires soon after (a committed one would have left the queue)."""
    await feed(client, clock, POST)
    sweeper = app_of(client)[SERVICES].sweeper
    assert sweeper is not None
    clock.advance(15 * 60 - 1)
    await sweeper.sweep()
    assert (await client.post(f"/api/mentions/{MID}/approve", json={"text": TEXT})).status == 200
    clock.advance(5)
    assert [f.stage.value for f in await sweeper.sweep()] == []
    assert (await client.post(f"/api/mentions/{MID}/undo")).status == 200
    clock.advance(11)
    assert [f.stage.value for f in await sweeper.sweep()] == ["breached"]
