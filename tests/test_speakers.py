"""What the platforms tell of who is speaking and to whom: the author's verified type and
whom a mention speaks to, read from Weibo over real HTTP (the fake speaks its wire format)
and kept through the stream format."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.errors import BadPayload
from connectors.http import Http
from connectors.model import Author, Mention
from connectors.weibo import WeiboConnector
from tests.fake_weibo import FakeWeibo, WeiboState, user
from tests.fake_weibo.running import config
from tests.fakes import mention
from tests.test_weibo import AT, BASE, NOW

FAN = user(1664695495, "_Iambda", followers=68)
OTHER = user(1664695496, "路人甲", followers=12)
COMPANY = user(2000000001, "大V数码", followers=3_000_000, verified=True)  # verified_type 2
NEWS = {**user(2000000002, "某某日报", followers=3_820_000, verified=True), "verified_type": 3}
PERSON = {**user(2000000003, "数码博主", followers=90_000, verified=True), "verified_type": 0}


@pytest.fixture
def fake() -> FakeWeibo:
    return FakeWeibo(WeiboState())


async def test_weibo_says_whom_each_item_speaks_to_and_who_is_verified_how(
    fake: FakeWeibo, api_base: str, http: Http
) -> None:
    state = fake.state
    state.add_status(BASE + 1, "新品发布！")  # the brand's own post
    state.add_comment(BASE + 2, BASE + 1, "什么时候到货？", by=FAN)  # on our post
    state.add_comment(BASE + 3, BASE + 1, "回复@_Iambda:下周吧，我问过门店", by=OTHER)
    state.add_comment(BASE + 4, BASE + 1, "回复@_Iambda:下周到货哦")  # ours: skipped
    state.add_comment(BASE + 5, BASE + 1, "回复@品牌官方:好的谢谢", by=FAN, reply_to=BASE + 4)
    state.add_status(BASE + 6, f"//{AT}:新品发布！", by=OTHER)  # a bare repost
    state.add_status(BASE + 7, f"{AT} 回应一下充电起火的事？", by=NEWS)
    state.add_status(BASE + 8, f"求测评 //{AT}:新品发布！", by=COMPANY)
    state.add_status(BASE + 9, f"{AT} 看看这个 //@数码博主:X7 评测", by=PERSON)
    state.comments[BASE + 3]["reply_comment"] = {
        k: state.comments[BASE + 2][k] for k in ("created_at", "id", "idstr", "mid", "text", "user")
    }
    weibo = WeiboConnector("brand", config(api_base), http=http, now=lambda: NOW)
    batch = await weibo.fetch(None)
    got = {int(m.platform_id) - BASE: (m.reply_to, m.author.verified_type) for m in batch.mentions}
    assert got == {
        2: ("brand", "none"),
        3: ("user", "none"),  # answers another user's comment
        5: ("brand", "none"),  # answers the brand's comment
        6: (None, "none"),  # passes the brand's post on, says nothing to anyone
        7: ("brand", "media"),
        8: (None, "enterprise"),  # a repost whose own words @ nobody
        9: ("brand", "personal"),
    }
    for item in batch.mentions:  # through the ingest stream and back, unchanged
        again = Mention.from_json(item.to_json())
        assert (again.reply_to, again.author) == (item.reply_to, item.author)


def test_the_stream_format_keeps_both_and_reads_old_mentions_as_before() -> None:
    author = Author(id="n", name="某某日报", followers=5, verified=True, verified_type="media")
    item = mention("1", author=author, reply_to=None)
    data = json.loads(item.to_json())
    assert data["reply_to"] is None and data["author"]["verified_type"] == "media"
    assert Mention.from_dict(data) == item
    del data["reply_to"], data["author"]["verified_type"]  # written before issue 23
    old = Mention.from_dict(data)
    assert (old.reply_to, old.author.verified_type, old.author.verified) == ("brand", "", True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reply_to": "everyone"}, "reply_to must be"),
        ({"author": {"id": "a", "verified_type": "gold"}}, "verified_type must be one of"),
    ],
)
def test_a_bad_speaker_field_is_a_clear_bad_payload(change: dict[str, Any], message: str) -> None:
    data = {**json.loads(mention("1").to_json()), **change}
    with pytest.raises(BadPayload, match=message):
        Mention.from_dict(data)
