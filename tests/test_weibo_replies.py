"""Weibo replies against the fake: the exact form of comments/create and comments/reply,
the 140 limit, refusals, and a send that timed out but went through (20019, read-back)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from typing import Any
from urllib.parse import parse_qs

import pytest

from connectors.errors import AuthFailed, RateLimited, Refused, Unavailable
from connectors.http import Http
from connectors.model import Mention
from connectors.weibo import WeiboConnector, weibo_length
from connectors.weibo.parse import parse_time
from tests.fake_weibo import FakeWeibo, Fault, WeiboState, user
from tests.fake_weibo.running import RIP, TOKEN, config

FAN = user(1664695495, "_Iambda")
POST, OURS, ASK = 3763000496676483, 3763000496676490, 3763139219216762
TEXT = "感谢关注！下周到货😀𠮷\u200b，敬请期待～"  # 4-byte UTF-8, zero width, full width


@pytest.fixture
def fake() -> FakeWeibo:
    state = WeiboState()
    state.add_status(POST, "@品牌官方 X7 什么时候到货？", by=FAN)
    state.add_status(OURS, "新品发布！")
    state.add_comment(ASK, OURS, "这个型号什么时候到货？😀", by=FAN)
    return FakeWeibo(state)


@pytest.fixture
def weibo(api_base: str, http: Http) -> WeiboConnector:
    return WeiboConnector("brand", config(api_base), http=http)


async def mention(weibo: WeiboConnector, platform_id: int) -> Mention:
    """The mention as the connector itself delivers it."""
    found = {m.platform_id: m for m in (await weibo.fetch(None)).mentions}
    return found[str(platform_id)]


async def test_a_comment_is_answered_with_comments_reply(
    fake: FakeWeibo, weibo: WeiboConnector
) -> None:
    asked = await mention(weibo, ASK)
    receipt = await weibo.send_reply(asked, TEXT)
    (write,) = fake.writes
    assert write["path"] == "comments/reply"
    assert write["content_type"] == "application/x-www-form-urlencoded"
    assert write["form"] == {
        "access_token": TOKEN,
        "comment": TEXT,
        "id": str(OURS),
        "rip": RIP,
        "cid": str(ASK),
    }
    assert parse_qs(write["body"]) == {k: [v] for k, v in write["form"].items()}  # UTF-8
    posted = max(fake.state.comments)
    assert posted > 2**53 and receipt.reply_id == str(posted)
    stored = fake.state.comments[posted]
    assert stored["text"] == f"回复@_Iambda:{TEXT}"
    assert receipt.sent_at == parse_time(stored["created_at"]) and receipt.sent_at.tzinfo
    assert receipt.sent_at.utcoffset() == UTC.utcoffset(None)


async def test_a_post_mention_is_answered_with_comments_create(
    fake: FakeWeibo, weibo: WeiboConnector
) -> None:
    post = await mention(weibo, POST)
    receipt = await weibo.send_reply(post, TEXT)
    (write,) = fake.writes
    assert write["path"] == "comments/create"
    assert write["form"] == {"access_token": TOKEN, "comment": TEXT, "id": str(POST), "rip": RIP}
    assert fake.state.comments[int(receipt.reply_id)]["text"] == TEXT


async def test_text_over_140_by_weibos_count_is_refused_before_sending(
    fake: FakeWeibo, weibo: WeiboConnector
) -> None:
    post = await mention(weibo, POST)
    for too_long in ("好" * 141, "a" * 281, "好" * 139 + "ab😀"):
        assert weibo_length(too_long) == 141
        with pytest.raises(Refused) as caught:
            await weibo.send_reply(post, too_long)
        assert caught.value.code == "length"
    assert fake.writes == []
    fits = "a" * 280  # ASCII counts half: exactly 140
    await weibo.send_reply(post, fits)
    assert [w["form"]["comment"] for w in fake.writes] == [fits]


async def test_a_timed_out_send_that_went_through_is_confirmed_not_repeated(
    fake: FakeWeibo, weibo: WeiboConnector
) -> None:
    asked = await mention(weibo, ASK)
    assert await weibo.find_reply(asked, TEXT) is None
    fake.fail(Fault(path="comments/reply", delay=1.0))  # stored, answered after the timeout
    with pytest.raises(Unavailable, match="timed out"):
        await weibo.send_reply(asked, TEXT)
    (posted,) = [c for c in fake.state.comments if c != ASK]
    found = await weibo.find_reply(asked, TEXT)  # what the outbox asks after a crash
    assert found is not None and found.reply_id == str(posted)
    again = await weibo.send_reply(asked, TEXT)  # a retry anyway: 20019, then the read-back
    assert again == found
    assert len(fake.writes) == 2 and len(fake.state.comments) == 2
    assert fake.reads[-1]["path"] == "comments/by_me"


async def test_repeat_content_elsewhere_is_refused(fake: FakeWeibo, weibo: WeiboConnector) -> None:
    post, asked = await mention(weibo, POST), await mention(weibo, ASK)
    await weibo.send_reply(post, TEXT)
    with pytest.raises(Refused) as caught:  # the same text was our last comment, elsewhere
        await weibo.send_reply(asked, TEXT)
    assert caught.value.code == "20019"
    assert await weibo.find_reply(asked, TEXT) is None


async def test_find_reply_pages_back_through_our_comments(
    fake: FakeWeibo, weibo: WeiboConnector
) -> None:
    post = await mention(weibo, POST)
    first = await weibo.send_reply(post, TEXT)
    for i in range(60):  # more than a page of our later comments
        fake.state.add_comment(fake.state.new_id(), OURS, f"第{i}条回复")
    found = await weibo.find_reply(post, TEXT)
    assert found == first
    paged = [r["query"].get("max_id") for r in fake.reads if r["path"] == "comments/by_me"]
    assert paged[-1] is not None and int(paged[-1]) < max(fake.state.comments)


@pytest.mark.parametrize(
    ("fault", "kind", "code"),
    [
        (Fault(code=20021, error="Content is illegal!"), Refused, "20021"),
        (Fault(code=20020, error="Contain advertising!"), Refused, "20020"),
        (Fault(code=20031, error="Test and verify!"), Refused, "20031"),
        (Fault(code=20016, error="Out of limit!"), RateLimited, ""),
        (
            Fault(code=10024, error="User requests for (comments) out of rate limit!"),
            RateLimited,
            "",
        ),
        (Fault(code=21327, error="expired_token", status=401), AuthFailed, ""),
        (Fault(code=10002, error="Service unavailable", status=503), Unavailable, ""),
        (Fault(body="<html>502</html>", status=502), Unavailable, ""),
    ],
)
async def test_refusals_and_passing_failures_of_a_reply(
    fake: FakeWeibo, weibo: WeiboConnector, fault: Fault, kind: type[Exception], code: str
) -> None:
    post = await mention(weibo, POST)
    fake.fail(Fault(path="comments/create", **_fields(fault)))
    with pytest.raises(kind) as caught:
        await weibo.send_reply(post, TEXT)
    assert TOKEN not in str(caught.value)
    if isinstance(caught.value, Refused):
        assert caught.value.code == code


async def test_a_deleted_status_or_comment_is_refused(
    fake: FakeWeibo, weibo: WeiboConnector
) -> None:
    post, asked = await mention(weibo, POST), await mention(weibo, ASK)
    del fake.state.comments[ASK]
    with pytest.raises(Refused) as gone_comment:
        await weibo.send_reply(asked, "还在吗")
    del fake.state.statuses[POST]
    with pytest.raises(Refused) as gone_post:
        await weibo.send_reply(post, "还在吗？")
    assert (gone_comment.value.code, gone_post.value.code) == ("20201", "20101")


def _fields(fault: Fault) -> dict[str, Any]:
    return {k: getattr(fault, k) for k in ("status", "code", "error", "body")}


async def test_what_cannot_be_sent_is_refused_before_sending(
    fake: FakeWeibo, weibo: WeiboConnector
) -> None:
    post = await mention(weibo, POST)
    cases = [
        (post, "  \u200b ", "20008"),
        (post, "坏\ud800字", "encoding"),
        (replace(post, platform="tieba"), "你好", "platform"),
        (replace(post, kind="dm"), "你好", "kind"),
    ]
    for target, text, code in cases:
        with pytest.raises(Refused) as caught:
            await weibo.send_reply(target, text)
        assert caught.value.code == code
    assert fake.writes == []
