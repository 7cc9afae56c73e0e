"""Sends interrupted after the platform took the reply, over real HTTP against the fake
forum (http_json) and the fake Weibo: the first reply is found and kept where the platform
can be asked; otherwise the mention is marked 可能已发出 and only a confirmed resend posts
again. A look-up that fails never counts as "not sent"."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from connectors.base import Connector
from connectors.http import Http
from connectors.http_json import HttpJsonConfig, HttpJsonConnector
from connectors.weibo import WeiboConnector
from responder.config import load
from responder.outbox.sender import UNSURE, Sender
from responder.outbox.store import OutboxStore
from responder.pipeline.worker import Pipeline
from responder.services import STORE
from responder.store.keys import mention_id
from responder.store.records import State
from responder.store.store import Store
from tests.conftest import ClientAs, MakeClient
from tests.fake_forum import TOKEN, Forum, running, write_config
from tests.fake_weibo import FakeWeibo, Fault, WeiboState, user
from tests.fake_weibo.running import config as weibo_config
from tests.fakes import FakeClock, mention
from tests.workspace import app_of, feed

Client = TestClient[Any, Any]
ROOT = Path(__file__).resolve().parent.parent
TEXT = "来啦，马上帮你看看"
LOOKUP = """
[connectors.forum.reply.lookup]
url = "{base}/api/topics/{thread}/replies?mine=1"
items = "data.replies"
text = "raw"
id = "id"
parent = "reply_to_post"
"""
POST = mention("101", platform="forum", kind="comment", thread_id="7", text="@澜星 充电好慢")
MID = mention_id("forum", "lanxing", "101")

# A sender process (consumer p1) over the forum connector in the config file; it runs
# until it is killed.
VICTIM = """
import asyncio, sys
from pathlib import Path
from redis.asyncio import Redis
from connectors.http import Http
from connectors.http_json import HttpJsonConnector
from responder.config import load
from responder.outbox.sender import Sender
from responder.outbox.store import OutboxStore
from responder.store.keys import Keys
from responder.store.store import Store
from tests.fakes import FakeClock

async def main():
    store = Store(Redis.from_url(sys.argv[1], decode_responses=True), Keys(sys.argv[2]))
    http = Http(total=120, connect=5)
    await http.start()
    forum = HttpJsonConnector("forum", load(Path(sys.argv[3])).connectors[0].options, http=http)
    outbox = OutboxStore(store)
    await outbox.ensure_group()
    sender = Sender(outbox, {"forum": forum}.get, FakeClock(), consumer="p1")
    while True:
        await sender.step()
        await asyncio.sleep(0.01)

asyncio.run(main())
"""


@pytest.fixture
async def forum() -> AsyncIterator[tuple[Forum, str]]:
    fake = Forum()
    async with running(fake) as base:
        yield fake, base


def forum_config(
    tmp_path: Path, base: str, monkeypatch: pytest.MonkeyPatch, *, lookup: bool
) -> tuple[Path, HttpJsonConfig]:
    monkeypatch.setenv("FORUM_TOKEN", TOKEN)
    path = write_config(tmp_path, base, LOOKUP.replace("{base}", base) if lookup else "")
    options = load(path).connectors[0].options
    assert isinstance(options, HttpJsonConfig)
    return path, options


async def _row(store: Store, mid: str = MID) -> dict[str, str]:
    row = await store.mention(mid)
    assert row is not None
    return row


def _posts(fake: Forum) -> int:
    return sum(1 for seen in fake.seen if seen.method == "POST")


async def _interrupt(sender: Sender, taken: Any) -> None:
    """Run `sender` until the platform has taken the reply (`taken()` is true), then stop
    it dead, as a kill would: the outbox never hears how the send went."""

    async def run() -> None:
        for _ in range(3):
            await sender.step()

    task = asyncio.create_task(run())
    for _ in range(1000):  # the platform's side of a real request, not a timer
        if taken() or task.done():
            break
        await asyncio.sleep(0.01)
    assert taken(), "the platform never took the reply"
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task


async def test_a_sender_killed_after_the_forum_took_the_reply_finds_it_and_posts_nothing(
    store: Store,
    pipeline: Pipeline,
    clock: FakeClock,
    forum: tuple[Forum, str],
    http: Http,
    redis_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, base = forum
    path, options = forum_config(tmp_path, base, monkeypatch, lookup=True)
    await store.ingest("forum", [POST], None, clock.now())
    await pipeline.run_once()
    closed = await store.close(MID, State.APPROVED, "amy", clock.now(), reply_text=TEXT)
    assert closed.result.value == "ok"
    fake.failures = ["hold"]  # the forum stores the reply, then never answers
    victim = await asyncio.create_subprocess_exec(
        *(sys.executable, "-c", VICTIM, redis_url, "test", str(path)),
        cwd=ROOT,
        env={**os.environ, "FORUM_TOKEN": TOKEN},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    accepted = asyncio.ensure_future(fake.accepted.wait())
    ended = asyncio.ensure_future(victim.wait())
    await asyncio.wait([accepted, ended], timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if not ended.done():
        victim.send_signal(signal.SIGKILL)
    _, err = await victim.communicate()
    accepted.cancel()
    fake.release.set()
    assert victim.returncode == -signal.SIGKILL, err.decode()
    assert len(fake.replies) == 1 and (await _row(store))["state"] == "sending"

    forum_connector = HttpJsonConnector("forum", options, http=http, now=clock.now)
    outbox = OutboxStore(store)
    restarted = Sender(outbox, {"forum": forum_connector}.get, clock, consumer="p1")
    await restarted.step()  # its own unfinished entry first
    row = await _row(store)
    assert row["state"] == "sent" and row["reply_id"] == "9001"  # the first reply's id
    assert "send_unknown" not in row
    assert len(fake.replies) == 1 and _posts(fake) == 1
    lookups = [s for s in fake.seen if s.method == "GET"]
    assert [(s.path, s.query) for s in lookups] == [("/api/topics/7/replies", {"mine": "1"})]
    sent = (await store.events_of(MID))[-1]
    assert sent["type"] == "sent" and sent["read_back"] is True and sent["key"] == f"{MID}:1"


async def test_without_a_lookup_it_is_maybe_sent_and_only_a_confirmed_resend_posts_again(
    make_client: MakeClient,
    client_as: ClientAs,
    clock: FakeClock,
    forum: tuple[Forum, str],
    http: Http,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, base = forum
    _, options = forum_config(tmp_path, base, monkeypatch, lookup=False)
    client = await make_client("sk")
    await feed(client, clock, POST)
    approved = await client.post(f"/api/mentions/{MID}/approve", json={"text": TEXT})
    assert approved.status == 200 and (await approved.json()).get("resend") is not True
    outbox = OutboxStore(app_of(client)[STORE])
    await outbox.ensure_group()
    connectors = {"demo": HttpJsonConnector("forum", options, http=http, now=clock.now)}.get
    fake.failures = ["hold"]
    await _interrupt(Sender(outbox, connectors, clock, consumer="p1"), lambda: fake.replies)
    fake.release.set()

    sender = Sender(outbox, connectors, clock, consumer="p1")  # p1 restarted
    await sender.step()
    for path in ("approve", "reply"):  # not without a person's confirmation
        again = await client.post(f"/api/mentions/{MID}/{path}", json={"text": TEXT})
        refused = await again.json()
        assert again.status == 409 and refused.get("code") == "maybe_sent", refused
        assert refused["error"].startswith("上次发送中途中断，可能已经发出")
    assert len(fake.replies) == 1 and _posts(fake) == 1
    item = await (await client.get(f"/api/mentions/{MID}")).json()
    assert item["state"] == "failed" and item["send_unknown"] is True  # 可能已发出
    assert item["send_error"] == UNSURE

    resent = await client.post(f"/api/mentions/{MID}/approve", json={"text": TEXT, "resend": True})
    assert resent.status == 200 and (await resent.json())["resend"] is True
    for _ in range(2):
        await sender.step()
    assert [r["id"] for r in fake.replies] == [9001, 9002]  # one more post, as confirmed
    item = await (await client.get(f"/api/mentions/{MID}")).json()
    assert item["state"] == "sent" and item["reply_id"] == "9002"
    assert item["send_unknown"] is False and item["send_error"] is None
    events = item["events"]
    first, second = [e for e in events if e["type"] == "approved"]
    assert "resend" not in first
    assert (second["actor"], second["resend"], second["resend_by"]) == ("amy", True, "amy")
    assert second["at"] == clock.now().timestamp()
    failed = [e for e in events if e["type"] == "send_failed"]
    assert [e["key"] for e in failed] == [f"{MID}:1"]  # the first attempt's record is kept
    assert [e["key"] for e in events if e["type"] == "sent"] == [f"{MID}:2"]
    lead = await client_as(client, "lee")
    audit = await (await lead.get("/api/audit?type=approved")).json()
    assert [row["details"].get("resend") for row in audit["items"]] == [True, None]


async def test_a_lookup_that_fails_is_not_read_as_not_sent(
    store: Store,
    pipeline: Pipeline,
    clock: FakeClock,
    forum: tuple[Forum, str],
    http: Http,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, base = forum
    _, options = forum_config(tmp_path, base, monkeypatch, lookup=True)
    connector = HttpJsonConnector("forum", options, http=http, now=clock.now)
    await store.ingest("forum", [POST], None, clock.now())
    await pipeline.run_once()
    await store.close(MID, State.APPROVED, "amy", clock.now(), reply_text=TEXT)
    outbox = OutboxStore(store)
    await outbox.ensure_group()
    fake.failures = ["hold"]
    await _interrupt(
        Sender(outbox, {"forum": connector}.get, clock, consumer="p1"), lambda: fake.replies
    )
    fake.release.set()

    fake.failures = ["500", "malformed"]  # the look-up cannot tell, twice
    sender = Sender(outbox, {"forum": connector}.get, clock, consumer="p1")
    for _ in range(2):
        await sender.step()
        row = await _row(store)
        assert row["state"] == "approved" and row["send_unknown"] == "1"  # tried again later
        assert len(fake.replies) == 1 and _posts(fake) == 1
        clock.advance(60)
        await sender.step()  # the retry is due: back in the stream
    row = await _row(store)
    assert row["state"] == "sent" and row["reply_id"] == "9001"
    assert len(fake.replies) == 1 and _posts(fake) == 1


# ---- Weibo: comments/by_me is the look-up ----

FAN = user(1664695495, "_Iambda")
STATUS = 3763000496676483


@pytest.fixture
def fake() -> FakeWeibo:
    state = WeiboState()
    state.add_status(STATUS, "@品牌官方 X7 什么时候到货？", by=FAN)
    return FakeWeibo(state)


async def test_weibo_asks_before_a_confirmed_resend_and_keeps_the_first_comment(
    make_client: MakeClient, clock: FakeClock, fake: FakeWeibo, api_base: str, http: Http
) -> None:
    weibo = WeiboConnector("brand", weibo_config(api_base), http=http)
    (post,) = (await weibo.fetch(None)).mentions
    client = await make_client("wr")
    await feed(client, clock, post)
    mid = mention_id("weibo", post.account, post.platform_id)
    assert (await client.post(f"/api/mentions/{mid}/approve", json={"text": TEXT})).status == 200
    outbox = OutboxStore(app_of(client)[STORE])
    await outbox.ensure_group()
    connectors: dict[str, Connector] = {"demo": weibo}
    fake.fail(Fault(path="comments/create", delay=0.5))  # stored, answered too late
    before = len(fake.state.comments)
    await _interrupt(
        Sender(outbox, connectors.get, clock, consumer="p1"),
        lambda: len(fake.state.comments) > before,
    )
    (first,) = [c for c in fake.state.comments.values() if c["text"] == TEXT]

    fake.fail(Fault(path="comments/by_me", code=10001, status=500, error="system error"))
    sender = Sender(outbox, connectors.get, clock, consumer="p1", max_attempts=1)
    await sender.step()
    item = await (await client.get(f"/api/mentions/{mid}")).json()
    assert item["state"] == "failed" and item["send_unknown"] is True  # unknown, not unsent
    assert [w["path"] for w in fake.writes] == ["comments/create"]
    refused = await client.post(f"/api/mentions/{mid}/approve", json={"text": TEXT})
    assert refused.status == 409 and (await refused.json())["code"] == "maybe_sent"

    resend = {"text": TEXT, "resend": True}
    assert (await client.post(f"/api/mentions/{mid}/approve", json=resend)).status == 200
    for _ in range(2):
        await sender.step()
    item = await (await client.get(f"/api/mentions/{mid}")).json()
    assert item["state"] == "sent" and item["reply_id"] == first["idstr"]
    assert [w["path"] for w in fake.writes] == ["comments/create"]  # asked, not posted
    assert len([c for c in fake.state.comments.values() if c["text"] == TEXT]) == 1


# Real processes: one such module at a time (pyproject.toml, [tool.pytest], says why).
pytestmark = pytest.mark.xdist_group("processes")
