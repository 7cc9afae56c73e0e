"""Weibo fetch over real loopback HTTP against the fake api.weibo.com: paging with inclusive
max_id, cursors across restarts and gaps, dedupe, exact ids, times, own posts, bad items."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.errors import BadPayload
from connectors.http import Http
from connectors.weibo import WeiboConnector
from tests.fake_weibo import BRAND, FakeWeibo, Fault, WeiboState, user
from tests.fake_weibo.running import config

FAN = user(1664695495, "_Iambda", followers=68)
STAR = user(2000000001, "大V数码", followers=3_000_000, verified=True)
NOW = datetime(2026, 11, 20, 2, 20, tzinfo=UTC)
AT = "@品牌官方"
BASE = 3_763_000_000_000_000  # realistic 16-digit ids


@pytest.fixture
def fake() -> FakeWeibo:
    return FakeWeibo(WeiboState())


def connector(api_base: str, http: Http, **changes: Any) -> WeiboConnector:
    return WeiboConnector("brand", config(api_base, **changes), http=http, now=lambda: NOW)


def mentions(fake: FakeWeibo, *ids: int) -> None:
    for sid in ids:
        fake.state.add_status(sid, f"{AT} 第{sid % 1000}条：X7 什么时候到货？😀", by=FAN)


def ids(batch: Any) -> list[str]:
    return [m.platform_id for m in batch.mentions]


def since(cursor: str | None, kind: str = "mentions") -> dict[str, Any]:
    assert cursor is not None
    state: dict[str, Any] = json.loads(cursor)["kinds"][kind]
    return state


async def test_the_first_run_takes_only_the_newest_page(
    fake: FakeWeibo, api_base: str, http: Http
) -> None:
    mentions(fake, *(BASE + i for i in range(1, 6)))
    weibo = connector(api_base, http, count=2, kinds=("mentions",))
    first = await weibo.fetch(None)
    assert ids(first) == [str(BASE + 5), str(BASE + 4)]  # no history backfill
    assert since(first.cursor) == {"since": str(BASE + 5), "gaps": []}
    assert [r["query"] for r in fake.reads] == [{"count": "2", "access_token": "good-token"}]
    mentions(fake, BASE + 9)
    assert ids(await weibo.fetch(first.cursor)) == [str(BASE + 9)]
    assert fake.reads[-1]["query"]["since_id"] == str(BASE + 5)


async def test_pages_back_with_max_id_one_below_the_oldest_seen(
    fake: FakeWeibo, api_base: str, http: Http
) -> None:
    mentions(fake, BASE + 1)
    weibo = connector(api_base, http, count=3, kinds=("mentions",))
    cursor = (await weibo.fetch(None)).cursor
    mentions(fake, *(BASE + i for i in range(10, 17)))  # 7 new: pages of 3, 3, 1
    fake.reads.clear()
    batch = await weibo.fetch(cursor)
    assert ids(batch) == [str(BASE + i) for i in range(16, 9, -1)]
    asked = [(r["query"].get("since_id"), r["query"].get("max_id")) for r in fake.reads]
    low = str(BASE + 1)
    assert asked == [(low, None), (low, str(BASE + 13)), (low, str(BASE + 10))]
    assert since(batch.cursor) == {"since": str(BASE + 16), "gaps": []}


async def test_the_fake_treats_max_id_as_inclusive_and_since_id_as_exclusive() -> None:
    state = WeiboState()
    for sid in (10, 11, 12, 13):
        state.add_status(sid, f"{AT} {sid}", by=FAN)
    page = state.listing("statuses/mentions", {"since_id": "10", "max_id": "12"})
    assert [s["id"] for s in page["statuses"]] == [12, 11]
    assert page["total_number"] == 2 and page["hasvisible"] is False


async def test_a_comment_in_two_lists_comes_once(
    fake: FakeWeibo, api_base: str, http: Http
) -> None:
    fake.state.add_status(BASE + 1, "新品发布！")  # ours
    mentions(fake, BASE + 2)
    weibo = connector(api_base, http, count=2)
    cursor = (await weibo.fetch(None)).cursor
    mentions(fake, BASE + 20, BASE + 21)
    # A fan's comment on our post that also @-mentions us is in comments/mentions and to_me.
    fake.state.add_comment(BASE + 30, BASE + 1, f"{AT} 求链接", by=STAR)
    batch = await weibo.fetch(cursor)
    assert sorted(ids(batch)) == [str(BASE + 20), str(BASE + 21), str(BASE + 30)]
    kinds = {m.platform_id: m.kind for m in batch.mentions}
    assert kinds[str(BASE + 30)] == "comment_mention"  # the first list it was read from


async def test_a_replayed_page_that_overlaps_is_deduped(
    fake: FakeWeibo, api_base: str, http: Http
) -> None:
    mentions(fake, BASE + 1)
    weibo = connector(api_base, http, count=2, kinds=("mentions",))
    cursor = (await weibo.fetch(None)).cursor
    mentions(fake, BASE + 10, BASE + 11, BASE + 12)
    first = fake.state.listing("statuses/mentions", {"since_id": str(BASE + 1), "count": "2"})
    again = {**first, "statuses": [*first["statuses"][1:], fake.state.statuses[BASE + 10]]}
    body = json.dumps(first, ensure_ascii=False), json.dumps(again, ensure_ascii=False)
    fake.fail(*(Fault(path="statuses/mentions", status=200, body=b) for b in body))
    batch = await weibo.fetch(cursor)  # page 2 repeats 11 (inclusive max_id done wrong)
    assert ids(batch) == [str(BASE + 12), str(BASE + 11), str(BASE + 10)]


async def test_a_gap_left_by_max_pages_is_read_on_later_polls_newest_first(
    fake: FakeWeibo, api_base: str, http: Http
) -> None:
    mentions(fake, BASE + 1)
    weibo = connector(api_base, http, count=2, max_pages=2, kinds=("mentions",))
    cursor = (await weibo.fetch(None)).cursor
    mentions(fake, *(BASE + i for i in range(10, 20)))  # 10 new, 4 a poll
    first = await weibo.fetch(cursor)
    assert ids(first) == [str(BASE + i) for i in (19, 18, 17, 16)]
    gap = [[str(BASE + 1), str(BASE + 15)]]
    assert since(first.cursor) == {"since": str(BASE + 19), "gaps": gap}
    mentions(fake, BASE + 30)  # arrives meanwhile: the top is read first
    second = await weibo.fetch(first.cursor)
    assert ids(second) == [str(BASE + i) for i in (30, 15, 14)]
    third = await weibo.fetch(second.cursor)
    fourth = await weibo.fetch(third.cursor)
    rest = ids(third) + ids(fourth)
    assert rest == [str(BASE + i) for i in range(13, 9, -1)]
    fifth = await weibo.fetch(fourth.cursor)  # the last page was full: one more look
    assert ids(fifth) == []
    assert since(fifth.cursor) == {"since": str(BASE + 30), "gaps": []}


async def test_a_new_connector_continues_from_the_persisted_cursor(
    fake: FakeWeibo, api_base: str, http: Http
) -> None:
    mentions(fake, BASE + 1)
    fake.state.add_status(BASE + 2, "新品发布！")
    fake.state.add_comment(BASE + 3, BASE + 2, "好看", by=FAN)
    first = await connector(api_base, http).fetch(None)
    assert sorted(ids(first)) == [str(BASE + 1), str(BASE + 3)]
    mentions(fake, BASE + 4)
    fake.state.add_comment(BASE + 5, BASE + 2, "多少钱？", by=STAR)
    restarted = connector(api_base, http)  # a new process with the stored cursor
    again = await restarted.fetch(first.cursor)
    assert sorted(ids(again)) == [str(BASE + 4), str(BASE + 5)]
    assert since(again.cursor, "comments_to_me")["since"] == str(BASE + 5)


async def test_ids_beyond_two_to_the_53_stay_exact(
    fake: FakeWeibo, api_base: str, http: Http
) -> None:
    big = 2**53  # float(2**53 + 1) == 2**53: a float anywhere loses these
    mentions(fake, big - 1)
    weibo = connector(api_base, http, count=2, kinds=("mentions",))
    cursor = (await weibo.fetch(None)).cursor
    mentions(fake, big + 1, big + 3, big + 5)
    batch = await weibo.fetch(cursor)
    assert ids(batch) == [str(big + 5), str(big + 3), str(big + 1)]
    assert fake.reads[-1]["query"]["max_id"] == str(big + 2)
    assert since(batch.cursor)["since"] == "9007199254740997"


async def test_a_comment_becomes_a_mention_with_thread_parent_author_and_url(
    fake: FakeWeibo, api_base: str, http: Http
) -> None:
    fake.state.add_status(BASE + 1, "新品发布！")
    fake.state.add_comment(BASE + 2, BASE + 1, "欢迎关注新品")  # ours: skipped
    fake.state.add_comment(
        BASE + 3, BASE + 1, "回复@品牌官方:什么时候到货？😀𠮷", by=STAR, reply_to=BASE + 2
    )
    batch = await connector(api_base, http, kinds=("comments_to_me",)).fetch(None)
    (got,) = batch.mentions
    assert (got.platform, got.account, got.kind) == ("weibo", "brand", "comment")
    assert (got.thread_id, got.parent_id) == (str(BASE + 1), str(BASE + 2))
    assert got.text == "回复@品牌官方:什么时候到货？😀𠮷"
    assert (got.author.id, got.author.name) == ("2000000001", "大V数码")
    assert (got.author.followers, got.author.verified) == (3_000_000, True)
    assert got.created_at == datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    assert got.url == f"https://m.weibo.cn/detail/{BASE + 1}?cid={BASE + 3}"
    assert got.raw == fake.state.comments[BASE + 3]


async def test_our_own_posts_are_skipped_but_still_move_the_cursor(
    fake: FakeWeibo, api_base: str, http: Http
) -> None:
    fake.state.add_status(BASE + 1, f"{AT} 我们自己提到自己", by=BRAND)
    mentions(fake, BASE + 2)
    fake.state.add_status(BASE + 3, f"{AT} 又是我们", by=BRAND)
    batch = await connector(api_base, http, kinds=("mentions",)).fetch(None)
    assert ids(batch) == [str(BASE + 2)]
    assert batch.mentions[0].thread_id == str(BASE + 2) and batch.mentions[0].kind == "mention"
    assert since(batch.cursor)["since"] == str(BASE + 3)


async def test_one_bad_item_is_rejected_with_its_raw_and_the_rest_kept(
    fake: FakeWeibo, api_base: str, http: Http
) -> None:
    mentions(fake, BASE + 1, BASE + 3)
    broken = fake.state.add_status(BASE + 2, f"{AT} 时间坏了", by=FAN)
    broken["created_at"] = "2026-11-20 09:00"
    no_user = fake.state.add_status(BASE + 4, f"{AT} 没有作者", by=FAN)
    del no_user["user"]
    batch = await connector(api_base, http, kinds=("mentions",)).fetch(None)
    assert ids(batch) == [str(BASE + 3), str(BASE + 1)]
    assert [json.loads(bad.raw)["idstr"] for bad in batch.rejected] == [
        str(BASE + 4),
        str(BASE + 2),
    ]
    assert since(batch.cursor)["since"] == str(BASE + 4)


@pytest.mark.parametrize(
    "body",
    ['{"statuses": [', '{"error": "no list here"}', "[1, 2]", '{"statuses": {"a": 1}}'],
)
async def test_a_malformed_response_is_bad_payload_with_the_raw_body(
    fake: FakeWeibo, api_base: str, http: Http, body: str
) -> None:
    fake.fail(Fault(status=200, body=body))
    with pytest.raises(BadPayload) as caught:
        await connector(api_base, http, kinds=("mentions",)).fetch(None)
    assert caught.value.raw == body


async def test_gaps_are_capped_when_new_items_outrun_the_pages(
    fake: FakeWeibo, api_base: str, http: Http
) -> None:
    mentions(fake, BASE + 1)
    weibo = connector(api_base, http, count=1, max_pages=1, kinds=("mentions",))
    cursor = (await weibo.fetch(None)).cursor
    for poll in range(25):  # two new a poll, one page of one a poll: a gap each time
        mentions(fake, BASE + 100 + 10 * poll, BASE + 101 + 10 * poll)
        cursor = (await weibo.fetch(cursor)).cursor
    gaps = since(cursor)["gaps"]
    assert len(gaps) == 20
    assert gaps[0] == [str(BASE + 331), str(BASE + 340)]  # the newest gap is kept first


async def test_items_arriving_between_page_fetches_are_neither_lost_nor_doubled(
    fake: FakeWeibo, api_base: str, http: Http
) -> None:
    mentions(fake, BASE + 1)
    weibo = connector(api_base, http, count=2, kinds=("mentions",))
    cursor = (await weibo.fetch(None)).cursor
    mentions(fake, *(BASE + i for i in range(10, 15)))
    arriving = iter([BASE + 50, BASE + 51])
    fake.after_read.append(lambda path: mentions(fake, next(arriving, BASE + 99)))
    batch = await weibo.fetch(cursor)
    assert ids(batch) == [str(BASE + i) for i in range(14, 9, -1)]
    fake.after_read.clear()
    later = await weibo.fetch(batch.cursor)
    assert sorted(ids(later)) == [str(BASE + 50), str(BASE + 51), str(BASE + 99)]
