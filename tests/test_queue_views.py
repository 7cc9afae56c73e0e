"""Queue views, filters and keyword search over real HTTP, backed by the real Redis."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

import orjson
import pytest

from connectors.model import Author
from responder.outbox.sender import Sender
from responder.services import STORE
from responder.store.index import QueueFilter
from responder.web.filtered import ANSWERS, answer
from tests.conftest import MakeClient
from tests.fake_forum import Forum
from tests.fakes import FakeClock, mention
from tests.forum_outbox import background
from tests.workspace import Client, app_of, as_user, feed, mid


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("views")


async def _queue(client: Client, **params: str) -> dict[str, Any]:
    resp = await client.get("/api/queue", params=params)
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


def _ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]


async def _ten(client: Client, clock: FakeClock) -> list[str]:
    """Queue ten mentions, one minute apart (so by deadline: 0 first); return their ids."""
    for i in range(10):
        created = clock.now() - timedelta(minutes=10 - i)
        await feed(client, clock, mention(f"p{i}", created_at=created))
    ids = [mid(f"p{i}") for i in range(10)]
    assert _ids(await _queue(client)) == ids
    return ids


async def test_views_mine_and_unassigned_follow_unexpired_claims(
    client: Client, clock: FakeClock
) -> None:
    ids = await _ten(client, clock)
    assert (await client.post(f"/api/mentions/{ids[2]}/claim")).status == 200  # amy
    resp = await client.post(f"/api/mentions/{ids[5]}/claim", headers=as_user("bo"))
    assert resp.status == 200
    mine = await _queue(client, view="mine")
    assert (mine["total"], _ids(mine)) == (1, [ids[2]])
    free = await _queue(client, view="unassigned")
    assert free["total"] == 8 and ids[2] not in _ids(free) and ids[5] not in _ids(free)
    assert (await _queue(client, view="all"))["total"] == 10
    clock.advance(6 * 60)  # both claims ran out (5 minutes)
    assert (await _queue(client, view="mine"))["total"] == 0
    assert _ids(await _queue(client, view="unassigned")) == ids


async def test_total_counts_every_match_and_items_are_the_page(
    client: Client, clock: FakeClock
) -> None:
    ids = await _ten(client, clock)
    for i in (1, 4, 7):  # three of ten are not a match
        assert (await client.post(f"/api/mentions/{ids[i]}/claim")).status == 200
    matching = [m for i, m in enumerate(ids) if i not in (1, 4, 7)]
    page = await _queue(client, view="unassigned", limit="3", offset="3")
    assert page["total"] == 7
    assert _ids(page) == matching[3:6]
    last = await _queue(client, view="unassigned", limit="3", offset="6")
    assert (last["total"], _ids(last)) == (7, matching[6:])
    assert _ids(await _queue(client, view="unassigned", offset="7")) == []


async def test_filters_by_platform_account_kind_and_state(
    client: Client, clock: FakeClock, forum: tuple[Forum, str], sender: Sender
) -> None:
    await feed(
        client,
        clock,
        mention("w1"),
        mention("w2", account="other", kind="comment", thread_id="t9"),
        mention("x1", platform="wechat", kind="message"),
    )
    assert _ids(await _queue(client, platform="wechat")) == [mid("x1", "wechat")]
    assert _ids(await _queue(client, account="other")) == [mid("w2", account="other")]
    assert _ids(await _queue(client, kind="comment")) == [mid("w2", account="other")]
    both = await _queue(client, platform="weibo", kind="mention")
    assert (both["total"], _ids(both)) == (1, [mid("w1")])
    # A reply the platform refused is back in the queue, flagged failed.
    forum[0].failures.append("refuse")
    w2 = mid("w2", account="other")
    assert (await client.post(f"/api/mentions/{w2}/approve", json={"text": "好的"})).status == 200
    await background(client, sender)
    assert _ids(await _queue(client, state="failed")) == [w2]
    assert w2 not in _ids(await _queue(client, state="queued"))
    assert (await _queue(client, state="queued"))["total"] == 2
    assert (await _queue(client, state="open"))["total"] == 3
    assert (await _queue(client))["total"] == 3  # no state: both, as before


async def test_sentiment_and_intent_filter_by_what_is_shown(
    client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("a", text="X7 拍照太好看了，谢谢"), mention("b"))
    a, b = mid("a"), mid("b")
    before = {i["id"]: i for i in (await _queue(client))["items"]}
    label = before[a]["sentiment"]["label"]
    other = "negative" if label != "negative" else "neutral"
    assert a in _ids(await _queue(client, sentiment=label))
    resp = await client.post(f"/api/mentions/{a}/sentiment", json={"label": other})
    assert resp.status == 200
    assert a in _ids(await _queue(client, sentiment=other))
    assert a not in _ids(await _queue(client, sentiment=label))
    resp = await client.post(f"/api/mentions/{b}/intent", json={"intent": "after_sales"})
    assert resp.status == 200
    found = await _queue(client, intent="after_sales")
    assert _ids(found) == [b] and found["items"][0]["intent"] == "after_sales"
    if before[b]["intent"] != "after_sales":
        assert b not in _ids(await _queue(client, intent=str(before[b]["intent"])))


async def test_keyword_searches_text_author_and_follow_ups(
    client: Client, clock: FakeClock
) -> None:
    await feed(
        client,
        clock,
        mention("1", text="X7 的 NFC 用不了😀𠮷", thread_id="t1"),
        mention("2", text="你好", author=Author(id="u2", name="LanFan小李", followers=3)),
        mention("3", text="发货了吗", thread_id="t3", author=Author(id="u3", name="阿三")),
    )
    await feed(
        client,
        clock,
        mention(
            "4", text="订单号 A1234，在吗？", thread_id="t3", author=Author(id="u3", name="阿三")
        ),
    )
    assert _ids(await _queue(client, q="nfc")) == [mid("1")]  # any case (ASCII)
    assert _ids(await _queue(client, q="😀𠮷")) == [mid("1")]
    assert _ids(await _queue(client, q="lanfan")) == [mid("2")]
    assert _ids(await _queue(client, q="a1234")) == [mid("3")]  # a follow-up's text
    assert _ids(await _queue(client, q="  发货 ")) == [mid("3")]
    assert (await _queue(client, q="没有这句话"))["total"] == 0


async def test_priority_order_is_kept_when_filtering(client: Client, clock: FakeClock) -> None:
    ids = await _ten(client, clock)
    plain = _ids(await _queue(client, sort="priority"))
    assert sorted(plain) == sorted(ids)
    assert _ids(await _queue(client, sort="priority", view="unassigned")) == plain


@pytest.mark.parametrize(
    ("params", "field", "error"),
    [
        ({"view": "team"}, "view", "view must be one of all, mine, unassigned"),
        ({"sentiment": "happy"}, "sentiment", "sentiment must be one of"),
        ({"intent": "weather"}, "intent", "unknown intent 'weather'"),
        ({"state": "sent"}, "state", "state must be one of queued, failed, open"),
        ({"limit": "0"}, "limit", "limit must be an integer from 1 to 1000"),
        ({"limit": "1001"}, "limit", "limit must be an integer from 1 to 1000"),
        ({"offset": "-1"}, "offset", "offset must be an integer"),
        ({"sort": "age"}, "sort", "sort must be one of deadline, priority"),
        ({"q": "长" * 101}, "q", '"q" is 101 characters; the limit is 100'),
        ({"platform": "wei\x00bo"}, "platform", '"platform" must not contain control'),
    ],
)
async def test_bad_parameters_are_refused_with_400(
    client: Client, params: dict[str, str], field: str, error: str
) -> None:
    resp = await client.get("/api/queue", params=params)
    assert resp.status == 400
    body = await resp.json()
    assert body["field"] == field and body["error"].startswith(error), body


async def test_queries_asked_at_once_share_one_catch_up_and_one_page_read(
    client: Client, clock: FakeClock
) -> None:
    """Five filtered reads at once catch the index up once and share one page read and
    its JSON; a read asked later reads the stream again (it may carry a change made after
    the first five were answered) and sees that change."""
    await _ten(client, clock)
    app = app_of(client)
    redis = app[STORE].redis
    want = QueueFilter(view="unassigned", user="amy")
    await answer(app, want, 3, 0, "deadline")  # built, and the read script loaded
    await redis.config_resetstat()
    answers = await asyncio.gather(*(answer(app, want, 3, 0, "deadline") for _ in range(5)))
    assert all(got == answers[0] for got in answers) and orjson.loads(answers[0])["total"] == 10
    stats = await redis.info("commandstats")
    assert int(stats["cmdstat_xrange"]["calls"]) <= 4  # two a catch-up: at most two ran
    assert int(stats["cmdstat_evalsha"]["calls"]) <= 2  # page reads: one a catch-up at most
    assert "cmdstat_zscan" not in stats  # not built again
    resp = await client.post(f"/api/mentions/{mid('p0')}/claim")
    assert resp.status == 200
    later = orjson.loads(await answer(app, replace(want, user="bo"), 3, 0, "deadline"))
    assert later["total"] == 9 and mid("p0") not in [i["id"] for i in later["items"]]
    assert app[ANSWERS] == {}  # nothing kept once answered
