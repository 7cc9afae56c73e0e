"""Leads' controls of the library: `tiexin drafts library list|pin|retire` and the API,
each pin and retirement in the audit log with who did it."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from responder.cli import main
from responder.drafts.brand import load_brand
from responder.drafts.drafter import default_directory
from responder.drafts.manners import load_manners
from responder.library.config import LibraryConfig
from responder.library.pattern import make_pattern
from responder.library.store import Complaint, Library
from responder.services import STORE
from responder.store.store import Store
from tests.conftest import ClientAs, MakeClient
from tests.fakes import FakeClock, entries
from tests.workspace import app_of

ROW = {
    "intent": "shipping",
    "tone": "upset",
    "platform": "weibo",
    "channel": "comment",
    "account": "lanxing",
    "thread_id": "t1",
    "author_id": "u1",
}


async def entry(library: Library, clock: FakeClock, eid: str, *, settled: bool = True) -> None:
    """An agent's reply to mention `eid`, sent and (if `settled`) admitted."""
    made = make_pattern(
        "订单号 LX202611110123 怎么还没发货",
        "小王，订单 LX202611110123 今天一定发出",
        author="小王",
        author_id="u1",
        brand=load_brand(default_directory() / "brand.toml"),
        manners=load_manners(default_directory() / "manners.toml"),
    )
    settle = LibraryConfig().settle
    await library.approved(
        eid, made, row=ROW, how="written", agent="amy", now=clock.now(), settle=settle
    )
    # The command line settles by the wall clock: a candidate still settling is sent now.
    assert await library.sent(eid, clock.now() if settled else datetime.now(UTC))
    if settled:
        later = clock.now() + settle
        assert await library.settle(later, 200) == [eid]


@pytest.fixture
def config(tmp_path: Path, redis_url: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f'[redis]\nurl = "{redis_url}"\nprefix = "test"\n', "utf-8")
    return str(path)


async def tiexin(*args: str) -> int:
    return await asyncio.to_thread(main, list(args))


async def test_list_pin_and_retire_from_the_command_line(
    store: Store, clock: FakeClock, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    library = Library(store.redis, store.keys)
    await entry(library, clock, "aaaa1111bbbb2222")
    await entry(library, clock, "cccc3333dddd4444", settled=False)
    assert await tiexin("drafts", "library", "list", "--config", config) == 0
    out = capsys.readouterr().out
    assert "aaaa1111bbbb2222  可用  shipping/upset  amy手写" in out
    assert "cccc3333dddd4444  观察中" in out
    assert "回复：{name}，订单 {order} 今天一定发出" in out
    args = ("drafts", "library", "list", "--state", "candidate", "--json", "--config", config)
    assert await tiexin(*args) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["id"] == "cccc3333dddd4444"

    pin = ("drafts", "library", "pin", "aaaa11", "--by", "lee", "--config", config)
    assert await tiexin(*pin) == 0
    said = capsys.readouterr().out
    assert "已置顶范例 aaaa1111bbbb2222（shipping，原为可用），操作人 lee" in said
    assert await tiexin("drafts", "library", "retire", "cccc3333dddd4444", "--config", config) == 0
    capsys.readouterr()
    states = {r["id"]: r["state"] for r in await library.entries()}
    assert states == {"aaaa1111bbbb2222": "pinned", "cccc3333dddd4444": "retired"}

    events = [json.loads(f["event"]) for _, f in await entries(store.redis, store.keys.events)]
    pinned, retired = [e for e in events if e["type"].startswith("library_")]
    assert (pinned["type"], pinned["actor"], pinned["entry"]) == (
        "library_pinned",
        "lee",
        "aaaa1111bbbb2222",
    )
    assert retired["type"] == "library_retired" and retired["actor"]  # the OS user

    assert await tiexin("drafts", "library", "pin", "ffff9999", "--config", config) == 2
    assert "没有这条范例：ffff9999" in capsys.readouterr().err
    assert await tiexin("drafts", "library", "retire", "zz", "--config", config) == 2
    assert "至少输入 4 位" in capsys.readouterr().err


async def test_an_ambiguous_prefix_and_a_failed_entry_are_refused(
    store: Store, clock: FakeClock
) -> None:
    library = Library(store.redis, store.keys)
    await entry(library, clock, "abcd0000aaaa0000")
    await entry(library, clock, "abcd1111aaaa1111")
    with pytest.raises(ValueError, match="不唯一"):
        await library.mark("abcd", "pinned", "lee", clock.now())
    await entry(library, clock, "eeee2222ffff3333", settled=False)
    watch = library.watch("weibo", "lanxing", "t1", "u1")
    later = datetime.now(UTC).timestamp() + 60
    assert await library.complaints([Complaint(watch=watch, mention="m9", at=later)]) == 1
    with pytest.raises(ValueError, match="已失效"):
        await library.mark("eeee2222", "pinned", "lee", clock.now())


Client = TestClient[Any, Any]


async def test_leads_list_pin_and_retire_over_the_api_and_see_it_in_the_audit(
    make_client: MakeClient, client_as: ClientAs, clock: FakeClock
) -> None:
    agent = await make_client("libapi")
    library = Library(app_of(agent)[STORE].redis, app_of(agent)[STORE].keys)
    await entry(library, clock, "aaaa1111bbbb2222")
    assert (await agent.get("/api/drafts/library")).status == 403
    lead = await client_as(agent, "lee")
    listed = await (await lead.get("/api/drafts/library?state=active")).json()
    assert [i["id"] for i in listed["items"]] == ["aaaa1111bbbb2222"]
    assert listed["items"][0]["template"] == "library/aaaa1111bbbb2222"
    bad = await lead.get("/api/drafts/library?state=gone")
    assert bad.status == 400
    pinned = await lead.post("/api/drafts/library/aaaa1111/pin")
    assert pinned.status == 200
    assert (await pinned.json())["state"] == "pinned" and (await pinned.json())["by"] == "lee"
    assert (await lead.post("/api/drafts/library/ffff0000/retire")).status == 404
    assert (await agent.post("/api/drafts/library/aaaa1111/retire")).status == 403
    audit = await (await lead.get("/api/audit")).json()
    (row,) = [r for r in audit["items"] if r["type"] == "library_pinned"]
    assert row["actor"] == "lee" and row["type_label"] == "置顶范例"
    assert row["mention"] == "aaaa1111bbbb2222" and "{order}" in row["text"]
