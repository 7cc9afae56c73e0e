"""The open-vocabulary focus: what a mention is about in its own words, for words no
table lists (new phrasings, not taken from the relevance sets)."""

from __future__ import annotations

import pytest

from responder.drafts.facts import facts_of
from responder.drafts.focus import focus_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我家狗子第一次坐高铁 一路都很乖 拍了好多照片", "高铁"),
        ("刚拿到驾照！！！练了三个月终于过了", "驾照"),
        ("快递盒子里的赠品贴纸怎么少了一张", "贴纸"),
        ("求问洱海边上拍日落用什么参数", "洱海"),
    ],
)
def test_the_focus_names_what_no_table_lists(text: str, expected: str) -> None:
    assert any(expected in phrase for phrase in focus_of(text))


def test_the_focus_leaves_out_brand_models_greetings_handles_and_order_numbers() -> None:
    found = focus_of("@澜星官方 你好 X7 Pro 256G 订单LX202611019999 的贴纸少了一张[泪]")
    joined = " ".join(found)
    for word in ("澜星", "x7", "pro", "256g", "lx2026", "你好", "[泪]", "泪"):
        assert word not in joined
    assert any("贴纸" in phrase for phrase in found)


def test_a_mention_with_nothing_salient_has_no_focus() -> None:
    assert focus_of("在吗 在吗") == ()
    assert focus_of("好的 谢谢") == ()


def test_the_focus_is_read_when_asked_and_english_has_none() -> None:
    facts = facts_of("驾照考过了 开心")
    assert facts._focus == []  # not worked out until a template asks
    assert facts.focus and "驾照" in facts.focus[0]
    assert facts_of("Got my driving licence today, so happy").focus == ()
