"""The outbox seen through the API: closed reply windows, posting by hand."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient

from connectors.errors import PostByHand
from responder.outbox.sender import Sender
from responder.outbox.store import OutboxStore
from responder.services import STORE
from responder.store.keys import mention_id
from tests.conftest import MakeClient
from tests.fakes import FakeClock, ScriptedConnector, mention
from tests.workspace import app_of, feed

Client = TestClient[Any, Any]


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("ob")


async def test_a_closed_reply_window_is_shown_and_refuses_approval(
    client: Client, clock: FakeClock
) -> None:
    until = clock.now() + timedelta(hours=1)
    await feed(client, clock, mention("1", platform="wechat", kind="message", reply_until=until))
    mid = mention_id("wechat", "lanxing", "1")
    item = await (await client.get(f"/api/mentions/{mid}")).json()
    assert item["window_closed"] is False and item["reply_until"] == until.isoformat()
    clock.advance(3601)
    item = await (await client.get(f"/api/mentions/{mid}")).json()
    assert item["window_closed"] is True
    answer = await client.post(f"/api/mentions/{mid}/approve", json={"text": "在的，说说看"})
    assert answer.status == 422
    error = await answer.json()
    local = until.astimezone(ZoneInfo("Asia/Shanghai"))  # the team's clock, not UTC
    assert error["error"].startswith("回复窗口已关闭") and f"{local:%H:%M} 之前" in error["error"]
    assert error["reply_until"] == until.isoformat()


async def test_a_reply_posted_by_hand_is_marked_sent_once(client: Client, clock: FakeClock) -> None:
    text = "X7 更新后一直卡，怎么办？"
    await feed(
        client, clock, mention("1", platform="tieba", kind="reply", thread_id="t1", text=text)
    )
    mid = mention_id("tieba", "lanxing", "1")
    approved = await client.post(f"/api/mentions/{mid}/approve", json={"text": "来啦，马上看"})
    assert approved.status == 200 and (await approved.json())["state"] == "approved"
    early = await client.post(f"/api/mentions/{mid}/sent")
    assert early.status == 409 and "approved" in (await early.json())["error"]
    tieba = ScriptedConnector("demo")  # the mention's source; Tieba takes no automated post
    link = "https://tieba.baidu.com/p/t1?pid=1#1"
    tieba.replies = [PostByHand("请手动回复", url=link)]
    outbox = OutboxStore(app_of(client)[STORE])
    await outbox.ensure_group()
    sender = Sender(outbox, {"demo": tieba}.get, clock, consumer="t")
    for _ in range(3):
        await sender.step()
    waiting = await (await client.get("/api/manual")).json()
    assert waiting["total"] == 1
    (item,) = waiting["items"]
    assert (item["id"], item["state"], item["send_url"]) == (mid, "manual", link)
    assert item["reply_text"] == "来啦，马上看"
    health = await (await client.get("/api/health")).json()
    assert health["outbox"] == {"to_send": 0, "retrying": 0, "manual": 1}
    url = "https://tieba.baidu.com/p/1?pid=9"
    done = await client.post(f"/api/mentions/{mid}/sent", json={"url": url})
    assert done.status == 200 and (await done.json())["state"] == "sent"
    item = await (await client.get(f"/api/mentions/{mid}")).json()
    assert item["state"] == "sent" and item["sent_at"] == clock.now().isoformat()
    assert [e["type"] for e in item["events"]][-1] == "marked_sent"
    assert (await (await client.get("/api/manual")).json())["total"] == 0
    again = await client.post(f"/api/mentions/{mid}/sent", json={})
    assert again.status == 409
    unknown = await client.post(f"/api/mentions/{'0' * 16}/sent", json={})
    assert unknown.status == 404


async def test_a_mention_whose_window_closed_before_it_was_queued_gets_no_drafts(
    client: Client, clock: FakeClock
) -> None:
    closed = clock.now() - timedelta(minutes=1)  # e.g. read back after an outage
    still = clock.now() + timedelta(hours=47)
    await feed(
        client,
        clock,
        mention("1", platform="wechat", kind="message", reply_until=closed),
        mention("2", platform="wechat", kind="message", reply_until=still),
    )
    late = await (await client.get(f"/api/mentions/{mention_id('wechat', 'lanxing', '1')}")).json()
    fresh = await (await client.get(f"/api/mentions/{mention_id('wechat', 'lanxing', '2')}")).json()
    assert late["window_closed"] is True and late["drafts"] == []
    assert fresh["window_closed"] is False and len(fresh["drafts"]) == 3
