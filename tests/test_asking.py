"""A yes-or-no question is said back as the person asked it, so a draft that has no
answer yet names what it will find out."""

from __future__ import annotations

import pytest

from responder.drafts.asking import question_of
from responder.drafts.facts import facts_of
from tests.drafting import drafts


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Note 12 能插内存卡吗", "能不能插内存卡"),
        ("15天换货能换颜色吗？", "15天换货能不能换颜色"),
        ("今天有现货吗 下班就去", "今天有没有现货"),
        ("X7 到底能不能解BL 官方给个准话", "能不能解BL"),  # asked both ways already
        ("以旧换新收不收苹果的？", "以旧换新收不收苹果的"),
        ("这个还有救吗", "这个还有没有救"),
        ("256G够用吗还是直接上512", "256G够不够用"),
        ("好用吗", ""),  # nothing to turn both ways
        ("没有收到吗", ""),  # 有 inside 没有 is no question of having
        ("说好的月底公布 是不是把我们忘了[委屈]", ""),  # a complaint at us, not a question
        ("所有的都能退吗", ""),  # "都能不能退" is no way to say it back
        ("X7 Pro 和 iPhone 拍照到底谁强", ""),  # not a yes-or-no question
        ("澜OS 5.1 更新后微信闪退，有人一样吗", ""),  # asked of other users
    ],
)
def test_a_yes_or_no_question_is_said_back_both_ways(text: str, said: str) -> None:
    assert question_of(text) == said


def test_the_model_they_named_goes_in_front() -> None:
    assert facts_of("@澜星 官方问下 X7 Pro 有红外吗 夏天想用手机开空调").question == (
        "X7 Pro 有没有红外"
    )
    assert facts_of("Note 12 能插内存卡吗").question == "Note 12 能不能插内存卡"


def test_a_question_no_entry_answers_is_named_in_the_drafts_that_find_out() -> None:
    text = "@澜星 官方问下 X7 Pro 能当对讲机用吗 周末去爬山想跟朋友联络"
    for texts in drafts(text, times=2):
        assert sum("X7 Pro 能不能当对讲机用" in t for t in texts) >= 2, texts


def test_an_upset_update_question_the_update_entries_answer_is_answered() -> None:
    # A rollback asked for after an update: the system-update entry answers it.
    for texts in drafts("Note 12 升了3.2 感觉比3.1卡 能刷回3.1吗 官方有没有降级包", times=2):
        assert sum("回退" in t for t in texts) >= 2, texts


def test_an_update_complaint_never_gets_another_intents_entry() -> None:
    # The fingerprint entry answers a failing sensor, not a changed animation.
    for texts in drafts("note12升到3.2之后指纹解锁的动画变了 丑死了 能改回原来那个吗", times=2):
        assert not any("删掉重录" in t for t in texts), texts


@pytest.mark.parametrize(
    ("text", "heard"),
    [
        ("听说澜星要把线下澜星之家都关了 以后修手机只能寄修？真的假的", "要把线下澜星之家都关了"),
        ("@澜星 听说你们要裁员了？真的假的", "要裁员了"),
        ("听说 X7 Pro 要降价了是真的吗", "X7 Pro 要降价了"),
        ("听说了吗", ""),
    ],
)
def test_what_they_heard_is_read_as_written(text: str, heard: str) -> None:
    assert facts_of(text).rumour == heard


def test_a_rumour_is_named_and_neither_confirmed_nor_denied() -> None:
    text = "听说澜星要把线下澜星之家都关了 以后修手机只能寄修？真的假的 官方出来辟个谣"
    for texts in drafts(text, times=2):
        assert sum("线下澜星之家都关了" in t for t in texts) >= 2, texts
        assert not any(w in t for t in texts for w in ("谣言", "是假的", "是真的")), texts
