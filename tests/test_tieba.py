"""Tieba connector against the fake tiebac.baidu.com, over real loopback HTTP: paging to a
known post id, the cursor across a restart, overlap, own posts, forums, text, the poller."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from aiotieba.core import http as tieba_http

from connectors.errors import PostByHand
from connectors.http import Http
from connectors.registry import TYPES, Context, build
from connectors.secret import Secret
from connectors.tieba import TiebaConfig
from connectors.tieba.connector import TiebaConnector
from connectors.tieba.cursor import Seen, dump
from responder.ingest.poller import Health, Poller
from responder.store.store import Store
from tests.fake_tieba import BDUSS, OWN_ID, FakeTieba, Post
from tests.fakes import FakeClock, entries

T = 1_700_000_000


def posts(*pids: int, **fields: Any) -> list[Post]:
    """Posts newest first (higher pid, later time), as the feeds list them."""
    return [
        Post(pid=pid, tid=9000 + pid % 7, text=f"帖子{pid}", time=T + pid, **fields) for pid in pids
    ]


@pytest.fixture
def fake() -> FakeTieba:
    return FakeTieba()


def config(server: TestServer, **options: Any) -> TiebaConfig:
    return TiebaConfig(bduss=Secret(BDUSS), api_base=f"http://127.0.0.1:{server.port}", **options)


@pytest.fixture
async def tieba(server: TestServer) -> AsyncIterator[TiebaConnector]:
    connector = TiebaConnector("brand", config(server))
    await connector.start()
    yield connector
    await connector.stop()


async def test_pages_until_a_known_post_then_reads_only_what_is_new(
    fake: FakeTieba, tieba: TiebaConnector
) -> None:
    fake.replys = posts(106, 105, 104, 103, 102)
    fake.ats = posts(206, 205, 204)
    first = await tieba.fetch(None)
    assert [m.platform_id for m in first.mentions] == [
        "102", "103", "104", "105", "106", "204", "205", "206"
    ]  # fmt: skip
    assert fake.pages("replyme") == [1, 2, 3] and fake.pages("atme") == [1, 2]
    fake.calls.clear()
    fake.replys = posts(109, 108, 107) + fake.replys  # three new: page 2 reaches 106
    second = await tieba.fetch(first.cursor)
    assert [m.platform_id for m in second.mentions] == ["107", "108", "109"]
    assert fake.pages("replyme") == [1, 2] and fake.pages("atme") == [1]
    assert [c.route for c in fake.calls].count("login") == 0  # the user id was kept
    assert json.loads(second.cursor or "")["reply"]["newest"] == 109


async def test_a_new_instance_resumes_from_the_stored_cursor(
    fake: FakeTieba, server: TestServer
) -> None:
    fake.replys = posts(103, 102, 101)
    before = TiebaConnector("brand", config(server))
    cursor = (await before.fetch(None)).cursor
    await before.stop()
    fake.replys = posts(104, *(p.pid for p in fake.replys))
    fake.calls.clear()
    after = TiebaConnector("brand", config(server))  # a restart: nothing kept but the cursor
    batch = await after.fetch(cursor)
    await after.stop()
    assert [m.platform_id for m in batch.mentions] == ["104"]
    assert fake.pages("replyme") == [1] and [c.route for c in fake.calls].count("login") == 1


async def test_paging_stops_at_older_posts_when_the_known_ones_were_deleted(
    fake: FakeTieba, tieba: TiebaConnector
) -> None:
    cursor = dump({"reply": Seen(newest=106, recent=(106,))})  # 106 was deleted since
    fake.replys = posts(108, 107, 105, 104, 103, 102)
    batch = await tieba.fetch(cursor)
    assert fake.pages("replyme") == [1, 2]  # 105 is older than 106: the rest was read
    assert [m.platform_id for m in batch.mentions] == ["104", "105", "107", "108"]


async def test_more_new_posts_than_max_pages_is_reported_once_per_fetch(
    fake: FakeTieba, server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    fake.replys = posts(108, 107, 106, 105, 104, 103, 102, 101)
    connector = TiebaConnector("brand", config(server, max_pages=2))
    batch = await connector.fetch(dump({"reply": Seen(newest=101, recent=(101,))}))
    await connector.stop()
    assert fake.pages("replyme") == [1, 2] and len(batch.mentions) == 4
    gaps = [r for r in caplog.records if getattr(r, "event", None) == "tieba_gap"]
    assert [(r.levelname, getattr(r, "feed", None)) for r in gaps] == [("WARNING", "reply")]


async def test_overlapping_pages_give_each_post_once(fake: FakeTieba, server: TestServer) -> None:
    fake.overlap = 1  # page 2 starts with page 1's last item
    fake.ats = posts(305, 304, 303, 302, 301)
    fake.replys = posts(303)  # also an @ of us: one mention, kind "reply"
    connector = TiebaConnector("brand", config(server))
    batch = await connector.fetch(None)
    await connector.stop()
    ids = [m.platform_id for m in batch.mentions]
    assert sorted(ids) == ["301", "302", "303", "304", "305"] and len(ids) == len(set(ids))
    assert {m.platform_id: m.kind for m in batch.mentions}["303"] == "reply"
    assert fake.pages("atme") == [1, 2, 3]


async def test_own_posts_are_left_out_but_count_as_read(
    fake: FakeTieba, tieba: TiebaConnector
) -> None:
    fake.replys = [*posts(12, author_id=OWN_ID, author_name="brand_official"), *posts(11)]
    batch = await tieba.fetch(None)
    assert [m.platform_id for m in batch.mentions] == ["11"]
    fake.calls.clear()
    again = await tieba.fetch(batch.cursor)
    assert again.mentions == () and fake.pages("replyme") == [1]


async def test_forums_narrow_what_is_taken(fake: FakeTieba, server: TestServer) -> None:
    fake.ats = [*posts(23, fname="其他"), *posts(22, fname="品牌"), *posts(21, fname="PinPai")]
    connector = TiebaConnector("brand", config(server, forums=("品牌吧", "pinpai")))
    batch = await connector.fetch(None)
    await connector.stop()
    assert sorted(m.platform_id for m in batch.mentions) == ["21", "22"]
    assert json.loads(batch.cursor or "")["at"]["recent"] == [23, 22, 21]


async def test_mentions_carry_4_byte_text_links_and_utc_times(
    fake: FakeTieba, tieba: TiebaConnector
) -> None:
    text = "@品牌官方 这个怎么用？😀𠮷，真的！"
    fake.ats = [Post(pid=501, tid=9001, text=text, time=T, author_show="Alice🌸")]
    emoji = {"type": 2, "text": "image_emoticon25", "c": "滑稽"}
    fake.replys = [
        Post(
            pid=602,
            tid=9002,
            text="回复：好用吗？😀𠮷",
            time=T + 5,
            quote_pid=601,
            fragments=[emoji],
        ),
        # Only an emoticon in new_floor_info: aiotieba's text is empty, `content` is kept.
        Post(pid=603, tid=9002, text="😀 只有表情", time=T + 6, floor_text="", fragments=[emoji]),
    ]
    batch = await tieba.fetch(None)
    by_id = {m.platform_id: m for m in batch.mentions}
    at, floor = by_id["501"], by_id["602"]
    assert (at.kind, at.text, at.author.name, at.author.id) == ("at", text, "Alice🌸", "1001")
    assert at.created_at == datetime.fromtimestamp(T, UTC) and at.created_at.tzinfo is UTC
    assert at.url == "https://tieba.baidu.com/p/9001?pid=501#501" and at.thread_id == "9001"
    assert at.raw["post_id"] == "501" and at.raw["content"] == text
    assert (floor.kind, floor.text, floor.parent_id) == ("reply", "回复：好用吗？😀𠮷", "601")
    assert (
        floor.raw["post_id"] == "602"
        and floor.raw["new_floor_info"][-1]["content"][1]["c"] == "滑稽"
    )
    assert by_id["603"].text == "😀 只有表情" and by_id["603"].parent_id is None
    assert all(m.platform == "tieba" and m.account == "brand" for m in batch.mentions)


async def test_the_wire_is_what_aiotieba_sends_to_tiebac(
    fake: FakeTieba, tieba: TiebaConnector
) -> None:
    await tieba.fetch(None)
    atme = next(c for c in fake.calls if c.route == "atme")
    assert sorted(atme.fields) == ["BDUSS", "_client_version", "pn", "sign"] and atme.sign_ok
    replyme = next(c for c in fake.calls if c.route == "replyme")
    assert replyme.sign_ok and replyme.fields["BDUSS"] == BDUSS and replyme.fields["pn"] == "1"
    assert {c.host for c in fake.calls} == {"tiebac.baidu.com"}
    # The redirect is this client's alone: aiotieba's class is untouched.
    original = tieba_http.HttpCore.__dict__["pack_form_request"]
    assert original.__module__ == "aiotieba.core.http"


async def test_replies_are_posted_by_a_person(fake: FakeTieba, tieba: TiebaConnector) -> None:
    fake.replys = posts(701)
    (mention,) = (await tieba.fetch(None)).mentions
    with pytest.raises(PostByHand, match="by a person") as caught:
        await tieba.send_reply(mention, "您好，已为您处理😀")
    assert caught.value.url == f"https://tieba.baidu.com/p/{mention.thread_id}?pid=701#701"
    assert [c.route for c in fake.calls if c.route not in ("login", "atme", "replyme")] == []
    bare = replace(mention, url=None)
    with pytest.raises(PostByHand) as again:
        await tieba.send_reply(bare, "x")
    assert again.value.url == caught.value.url


def test_registered_and_built_from_the_registry(server: TestServer) -> None:
    assert TYPES["tieba"].config is TiebaConfig
    ctx = Context(http=Http(), shared=lambda name: pytest.fail("Tieba shares nothing"))
    built = build("tieba", "brand", config(server), ctx)
    assert isinstance(built, TiebaConnector) and built.name == "brand"


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"bduss": Secret("short-secret")}, "192-character BDUSS cookie, got 12 characters"),
        ({"api_base": "tiebac.baidu.com"}, "api_base: must be a scheme and host"),
        ({"api_base": "https://tiebac.baidu.com/c/u"}, "api_base: must be a scheme and host"),
        ({"forums": ("吧 ", "")}, "forums: names must not be empty"),
    ],
)
def test_config_errors_say_what_is_wrong_without_the_secret(
    options: dict[str, Any], words: str
) -> None:
    with pytest.raises(ValueError, match=words) as caught:
        TiebaConfig(**{"bduss": Secret(BDUSS), **options})
    assert "short-secret" not in str(caught.value) and BDUSS not in str(caught.value)


async def test_mentions_reach_the_ingest_stream_through_the_poller(
    fake: FakeTieba, tieba: TiebaConnector, store: Store, clock: FakeClock
) -> None:
    fake.ats = posts(802, 801)
    fake.replys = [Post(pid=803, tid=9003, text="😀𠮷 回复", time=T + 900, quote_pid=800)]
    poller = Poller(tieba, store, clock)
    assert await poller.run_once() == 3
    stored = [json.loads(f["mention"]) for _, f in await entries(store.redis, store.keys.ingest)]
    assert [(m["id"], m["kind"]) for m in stored] == [
        ("801", "at"),
        ("802", "at"),
        ("803", "reply"),
    ]
    assert stored[2]["text"] == "😀𠮷 回复" and stored[2]["parent_id"] == "800"
    cursor = await store.cursor("brand")
    assert cursor is not None and json.loads(cursor)["at"]["newest"] == 802
    fake.calls.clear()
    clock.advance(timedelta(minutes=1).total_seconds())
    assert await poller.run_once() == 0 and poller.health is Health.OK
    assert fake.pages("atme") == [1] and await store.redis.xlen(store.keys.ingest) == 3
