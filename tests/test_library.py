"""The library's life through the real app, outbox and pipeline on a real Redis: a reply an
agent wrote is a candidate once sent, an entry once settled without a complaint; a draft
sent as is never is; the scoring workers see entries, pins and retirements."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from connectors.errors import Refused
from connectors.model import Author
from responder.drafts.suggest import Job
from responder.library.store import Library
from responder.outbox.sender import Sender
from responder.outbox.store import OutboxStore
from responder.pipeline.scoring import ScoringPool
from responder.services import SERVICES, STORE
from tests.conftest import MakeClient
from tests.fakes import FakeClock, ScriptedConnector, mention
from tests.workspace import app_of, feed, mid

Client = TestClient[Any, Any]
ASKED = "订单号 LX202611110123 的 X7 怎么还没发货，我都等了三天了"
WRITTEN = "小王，订单 LX202611110123 我刚催了仓库，今天之内一定发出，发出后第一时间告诉你"
NEW = "订单号 LX202699990000 的 X7 还没发货，等了好几天了"
DAY = 24 * 3600


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("lib")


def library(client: Client) -> Library:
    store = app_of(client)[STORE]
    return Library(store.redis, store.keys)


async def send_all(client: Client, clock: FakeClock) -> ScriptedConnector:
    """Run the outbox until every approved reply is posted."""
    demo = ScriptedConnector("demo")
    outbox = OutboxStore(app_of(client)[STORE])
    await outbox.ensure_group()
    sender = Sender(outbox, {"demo": demo}.get, clock, consumer="t")
    for _ in range(3):
        await sender.step()
    return demo


async def answered(client: Client, clock: FakeClock, pid: str, body: dict[str, Any]) -> str:
    """Feed a mention in thread t1, approve `body` for it and send it: its id."""
    await feed(client, clock, mention(pid, text=ASKED, thread_id="t1", created_at=clock.now()))
    approved = await client.post(f"/api/mentions/{mid(pid)}/approve", json=body)
    assert approved.status == 200, await approved.text()
    assert not await library(client).entries()  # approved is not sent: nothing yet
    posted = await send_all(client, clock)
    assert len(posted.posted) == 1
    return mid(pid)


async def test_a_written_reply_sent_and_settled_becomes_an_entry(
    client: Client, clock: FakeClock
) -> None:
    eid = await answered(client, clock, "1", {"text": WRITTEN})
    (candidate,) = await library(client).entries()
    assert candidate["state"] == "candidate" and candidate["id"] == eid
    assert (
        candidate["reply"]
        == "{name}，订单 {order} 我刚催了仓库，今天之内一定发出，发出后第一时间告诉你"
    )
    assert candidate["how"] == "written" and candidate["agent"] == "amy"
    assert (candidate["intent"], candidate["platform"], candidate["channel"]) == (
        "shipping",
        "weibo",
        "comment",
    )
    assert "LX202611110123" not in candidate["mention"]
    clock.advance(DAY - 60)
    assert await library(client).settle(clock.now(), 200) == []  # still settling
    clock.advance(120)
    version = await library(client).version()
    assert await library(client).settle(clock.now(), 200) == [eid]
    (entry,) = await library(client).entries()
    assert entry["state"] == "active" and await library(client).version() == version + 1


async def test_a_complaint_in_the_window_fails_the_candidate(
    client: Client, clock: FakeClock
) -> None:
    eid = await answered(client, clock, "1", {"text": WRITTEN})
    clock.advance(3600)
    happy = mention("2", text="好的谢谢", thread_id="t1", created_at=clock.now())
    other = mention(
        "3",
        text="还是没发货，你们太坑了",
        thread_id="t1",
        created_at=clock.now(),
        author=Author(id="u2", name="路人"),
    )
    await feed(client, clock, happy, other)  # thanks, and someone else's anger: still fine
    assert [r["state"] for r in await library(client).entries()] == ["candidate"]
    angry = mention("4", text="还是没发货，你们太坑了", thread_id="t1", created_at=clock.now())
    await feed(client, clock, angry)
    (failed,) = await library(client).entries(states=("failed",))
    assert failed["id"] == eid and failed["complaint"] == mid("4")
    clock.advance(DAY)
    assert await library(client).settle(clock.now(), 200) == []
    assert await library(client).entries() == []  # failed ones are listed only when asked


async def test_a_template_draft_sent_as_is_is_no_candidate(
    client: Client, clock: FakeClock
) -> None:
    await answered(client, clock, "1", {"draft": 0})
    assert await library(client).entries(states=("candidate", "failed")) == []


async def test_a_reply_with_someone_elses_phone_number_is_not_admitted(
    client: Client, clock: FakeClock
) -> None:
    await answered(client, clock, "1", {"text": "小王，仓库同事 13812345678 会打给你"})
    assert await library(client).entries(states=("candidate",)) == []


async def test_an_approval_sent_as_is_after_an_edit_forgets_the_edit(
    client: Client, clock: FakeClock
) -> None:
    """A reply approved, refused by the platform and approved again as a plain draft: the
    first approval's text was never sent, so it is no candidate."""
    await feed(client, clock, mention("1", text=ASKED, thread_id="t1", created_at=clock.now()))
    first = await client.post(f"/api/mentions/{mid('1')}/approve", json={"text": WRITTEN})
    assert first.status == 200
    demo = ScriptedConnector("demo")
    demo.replies = [Refused("内容不合规")]
    outbox = OutboxStore(app_of(client)[STORE])
    await outbox.ensure_group()
    sender = Sender(outbox, {"demo": demo}.get, clock, consumer="t")
    for _ in range(2):  # its own leftovers first, then the new entries
        await sender.step()
    again = await client.post(f"/api/mentions/{mid('1')}/approve", json={"draft": 0})
    assert again.status == 200, await again.text()
    for _ in range(2):
        await sender.step()
    assert len(demo.posted) == 2
    assert await library(client).entries(states=("candidate",)) == []


async def test_the_pipeline_settles_and_hands_its_workers_the_library(
    client: Client, clock: FakeClock
) -> None:
    await answered(client, clock, "1", {"text": WRITTEN})
    clock.advance(DAY + 60)
    pipeline = app_of(client)[SERVICES].pipeline
    assert pipeline is not None
    await feed(
        client,
        clock,
        mention("9", text=NEW, thread_id="t9", author=Author(id="u9", name="阿杰")),
    )
    assert [r["state"] for r in await library(client).entries()] == ["active"]
    item = await (await client.get(f"/api/mentions/{mid('9')}")).json()
    templates = [d["template"] for d in item["drafts"]]
    assert templates[-1] == f"library/{mid('1')}", templates
    assert item["drafts"][-1]["text"].startswith("阿杰，订单 LX202699990000 我刚催了仓库")
    # Sent as it is, it counts for its template like any draft.
    sent = await client.post(f"/api/mentions/{mid('9')}/approve", json={"draft": 2})
    assert sent.status == 200 and (await sent.json())["template"] == f"library/{mid('1')}"
    stats = await app_of(client)[STORE].draft_stats()
    assert stats[f"library/{mid('1')}|as_is"] == "1"


async def test_the_scoring_workers_see_a_retirement_once_the_version_moves(
    client: Client, clock: FakeClock, scoring_pool: ScoringPool
) -> None:
    eid = await answered(client, clock, "1", {"text": WRITTEN})
    clock.advance(DAY + 60)
    pipeline = app_of(client)[SERVICES].pipeline
    assert pipeline is not None
    job = Job(
        id="j",
        text=NEW,
        platform="weibo",
        kind="comment",
        author=Author(id="u9", name="阿杰"),
        at=clock.now(),
    )

    async def templates() -> list[str]:
        clock.advance(10)  # past the pipeline's look at the library's version
        ref = await pipeline.inputs.library.ref(clock.monotonic(), clock.now())
        (made,) = await scoring_pool.suggest([job], None, None, ref)
        return [d.template for d in made.drafts]

    assert (await templates())[-1] == f"library/{eid}"
    await library(client).mark(eid, "retired", "lee", clock.now())
    assert not any(t.startswith("library/") for t in await templates())
    await library(client).mark(eid[:6], "pinned", "lee", clock.now())  # pinning restores it
    assert (await templates())[-1] == f"library/{eid}"
