"""The Weibo connector driven by the real poller into the real Store: mentions land in the
ingest stream with the cursor, bad items in the rejected stream, and a restart continues."""

from __future__ import annotations

import json

import pytest

from connectors.http import Http
from connectors.weibo import WeiboConnector
from responder.ingest.poller import Health, Poller
from responder.store.store import Store
from tests.fake_weibo import FakeWeibo, Fault, WeiboState, user
from tests.fake_weibo.running import config
from tests.fakes import FakeClock, entries

FAN = user(1664695495, "_Iambda", followers=68)
BIG = 2**53 + 1


@pytest.fixture
def fake() -> FakeWeibo:
    return FakeWeibo(WeiboState())


async def test_mentions_land_in_the_ingest_stream_with_the_cursor(
    fake: FakeWeibo, api_base: str, http: Http, store: Store, clock: FakeClock
) -> None:
    fake.state.add_status(BIG, "@品牌官方 X7 又卡了，烦死了😡", by=FAN)
    fake.state.add_status(BIG + 2, "新品发布！")
    broken = fake.state.add_comment(BIG + 4, BIG + 2, "时间坏了", by=FAN)
    broken["created_at"] = "yesterday"
    weibo = WeiboConnector("brand", config(api_base), http=http, now=clock.now)
    poller = Poller(weibo, store, clock)
    assert await poller.run_once() == 1
    (entry,) = await entries(store.redis, store.keys.ingest)
    landed = json.loads(entry[1]["mention"])
    assert (landed["platform"], landed["account"], landed["id"]) == ("weibo", "brand", str(BIG))
    assert landed["text"] == "@品牌官方 X7 又卡了，烦死了😡" and landed["kind"] == "mention"
    stored = await store.cursor("brand")
    assert stored is not None
    kinds = json.loads(stored)["kinds"]
    assert kinds["mentions"]["since"] == str(BIG)
    assert kinds["comments_to_me"]["since"] == str(BIG + 4)  # the bad item is behind us
    ((_, rejected),) = await entries(store.redis, store.keys.rejected)
    assert rejected["source"] == "brand" and json.loads(rejected["raw"])["idstr"] == str(BIG + 4)

    fake.state.add_comment(BIG + 6, BIG + 2, "什么时候到货？", by=FAN)
    restarted = Poller(
        WeiboConnector("brand", config(api_base), http=http, now=clock.now), store, clock
    )
    assert await restarted.run_once() == 1  # only the new comment, from the stored cursor
    new = json.loads((await entries(store.redis, store.keys.ingest))[-1][1]["mention"])
    assert (new["id"], new["thread_id"], new["kind"]) == (str(BIG + 6), str(BIG + 2), "comment")


async def test_an_expired_token_stops_the_poller_and_keeps_the_cursor(
    fake: FakeWeibo, api_base: str, http: Http, store: Store, clock: FakeClock
) -> None:
    weibo = WeiboConnector("brand", config(api_base), http=http, now=clock.now)
    poller = Poller(weibo, store, clock)
    await poller.run_once()
    before = await store.cursor("brand")
    fake.fail(Fault(code=21327, error="expired_token", status=401))
    await poller.run_once()
    assert poller.health is Health.AUTH_FAILED
    assert await store.cursor("brand") == before
    reads = len(fake.reads)
    clock.advance(3600)
    await poller.run_once()
    assert len(fake.reads) == reads  # stopped until a human re-authorizes
