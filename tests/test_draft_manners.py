"""Channel and person manners, through the real drafter and templates: no 私信 in a
private chat, never asking for what was given, never addressing a platform id."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.model import Author
from responder.drafts.drafter import Drafter, default_directory
from responder.drafts.manners import MannersError, load_manners
from responder.drafts.suggest import Job, start, suggest_all
from responder.drafts.understand import Said

AT = datetime(2026, 5, 12, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
PRIVATE_TEXTS = [
    "快递三天了还没发货，什么情况",
    "手机充电特别慢，一晚上都充不满",
    "X7 拍照发虚，对不上焦",
    "更新之后老是卡顿，微信都打不开",
    "售后态度太差了，修了两次还没好",
    "怎么把旧手机的照片传到新手机",
    "订单付款了但是显示未支付",
]


@pytest.fixture(scope="module")
def drafter() -> Drafter:
    return start()


def _jobs(texts: list[str], platform: str, kind: str, author: Author) -> list[Job]:
    return [
        Job(id=f"m{i}-{n}", text=t, platform=platform, kind=kind, author=author, at=AT)
        for n, t in enumerate(texts)
        for i in range(6)
    ]


def test_a_private_chat_never_gets_told_to_send_a_private_message(drafter: Drafter) -> None:
    author = Author(id=OPENID, name=OPENID)
    drafts = [
        d.text
        for s in suggest_all(_jobs(PRIVATE_TEXTS, "wechat", "message", author))
        for d in s.drafts
    ]
    assert len(drafts) >= 3 * 6 * len(PRIVATE_TEXTS) - 6
    assert [d for d in drafts if "私信" in d] == []
    assert [d for d in drafts if OPENID in d] == []
    # The same mentions in public still point to a private message somewhere.
    public = _jobs(PRIVATE_TEXTS, "weibo", "comment", Author(id="1", name="小澜"))
    assert any("私信" in d.text for s in suggest_all(public) for d in s.drafts)


@pytest.mark.parametrize(
    "name", [OPENID, "用户7382910456", "手机用户13800138000", "60012345", "wx_" + "a1b2" * 6]
)
def test_a_platform_id_is_never_used_as_a_name(drafter: Drafter, name: str) -> None:
    assert drafter.manners.name(name, "someone-else") == ""


def test_a_real_nickname_is_kept(drafter: Drafter) -> None:
    assert drafter.manners.name("冰城老李", "12345") == "冰城老李"
    assert drafter.manners.name("12345", "12345") == ""  # the id itself


ORDER_TEXTS = [
    "@澜星 订单号LX202611110123 三天了还没发货，什么情况？？",
    "订单 LX202610300877 显示签收了但我根本没收到",
    "LX202611150312 付款扣了两次钱，麻烦退一笔",
]


@pytest.mark.parametrize("platform,kind", [("weibo", "mention"), ("wechat", "message")])
def test_an_order_number_given_is_never_asked_for(
    drafter: Drafter, platform: str, kind: str
) -> None:
    jobs = _jobs(ORDER_TEXTS, platform, kind, Author(id="1", name="小澜"))
    made = suggest_all(jobs)
    drafts = [d.text for s in made for d in s.drafts]
    assert all(len(s.drafts) >= 2 for s in made)
    asks = drafter.manners.asks["order"]
    assert [d for d in drafts if asks.search(d)] == []


def test_an_order_number_given_earlier_in_the_chat_is_never_asked_for(drafter: Drafter) -> None:
    earlier = (Said(who="same", text="你好 我的订单号LX202611180045"),)
    jobs = [
        Job(
            id=f"c{i}",
            text="到哪了呀 明天要出差",
            platform="wechat",
            kind="message",
            author=Author(id=OPENID, name=OPENID),
            at=AT,
            context=earlier,
        )
        for i in range(10)
    ]
    drafts = [d.text for s in suggest_all(jobs) for d in s.drafts]
    assert drafts
    assert [d for d in drafts if "订单号" in d and "LX202611180045" not in d] == []


def test_without_an_order_number_the_drafts_may_ask_for_one(drafter: Drafter) -> None:
    jobs = _jobs(
        ["@澜星 三天了还没发货，什么情况？？"], "weibo", "mention", Author(id="1", name="a")
    )
    assert any("订单号" in d.text for s in suggest_all(jobs) for d in s.drafts)


def test_the_rewrites_keep_the_sentence_readable() -> None:
    manners = load_manners(default_directory() / "manners.toml")
    assert manners.private("还找不到就私信我们，我们手把手带你弄。") == (
        "还找不到就告诉我们，我们手把手带你弄。"
    )
    assert manners.private("把订单号私信给我们") == "把订单号发给我们"
    assert manners.private("方便的话私信留个电话") == "方便的话留个电话"


def test_a_broken_manners_file_names_every_bad_entry(tmp_path: Path) -> None:
    path = tmp_path / "manners.toml"
    path.write_text(
        '[private]\nrewrite = [["私信(", "x"], ["only one"]]\n[given]\norder = ["订单号["]\n',
        "utf-8",
    )
    with pytest.raises(MannersError) as caught:
        load_manners(path)
    message = str(caught.value)
    assert "private.rewrite[0]" in message and "private.rewrite[1]" in message
    assert "given.order" in message
    path.write_text("[private\n", "utf-8")
    with pytest.raises(MannersError, match=r"manners\.toml"):
        load_manners(path)


def test_a_link_never_runs_into_the_text_after_it(drafter: Drafter) -> None:
    texts = ["在吗 我昨天下的单 订单号LX202612050311 能不能改成顺丰", "快递到哪了 怎么查物流"]
    drafts = [
        d.text
        for platform, kind in (("weibo", "mention"), ("wechat", "message"))
        for s in suggest_all(_jobs(texts, platform, kind, Author(id="1", name="小澜")))
        for d in s.drafts
    ]
    assert any(
        "https://" in d and not d.endswith(tuple("/abcdefghijklmnopqrstuvwxyz")) for d in drafts
    )
    assert [d for d in drafts if re.search(r"https?://[\x21-\x7e]+[\u4e00-\u9fff]", d)] == []


def test_a_step_already_tried_is_refused_with_what_was_tried() -> None:
    manners = load_manners(default_directory() / "manners.toml")
    said = "可以先重启一下看看，还不行就私信我们。"
    assert manners.refusal(said, channel="public", given={"restart"}) == (
        "对方已经试过重启，不该再让他试"
    )
    assert manners.refusal(said, channel="public", given={"order"}) == ""
