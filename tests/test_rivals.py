"""A comparison names the other phone as the person wrote it (小米15, iPhone 16 Pro), next
to ours, and never judges it."""

from __future__ import annotations

import pytest

from responder.drafts.facts import facts_of
from tests.drafting import drafts


@pytest.mark.parametrize(
    ("text", "rival"),
    [
        ("一加13和X7 Pro打游戏哪个不烫", "一加13"),
        ("从iPhone 16 Pro换过来会不会不习惯", "iPhone 16 Pro"),
        ("荣耀 magic 我不考虑了 就问Note 12的屏幕护眼吗", "荣耀"),
        ("X7的夜景真的绝了", ""),
        ("apple watch 能连X7吗", ""),
    ],
)
def test_the_other_phone_is_read_as_written(text: str, rival: str) -> None:
    assert facts_of(text).rival == rival


def test_a_comparison_names_both_phones_and_runs_nobody_down() -> None:
    for texts in drafts("一加13和X7 Pro打游戏哪个更稳？官方说句实话", times=2):
        named = [t for t in texts if "一加13" in t]
        assert len(named) >= 2, texts
        assert all("X7 Pro" in t for t in named)
        assert not any(w in t for t in texts for w in ("友商", "吊打", "不如", "垃圾"))


@pytest.mark.parametrize(
    ("text", "budget"),
    [
        ("预算三千 想要拍照好的 X7 还是 Note 12", "预算三千"),
        ("2500以内有推荐吗", "2500以内"),
        ("买了2000块的膜 贵不贵", ""),
    ],
)
def test_a_buyers_budget_is_read_as_written(text: str, budget: str) -> None:
    assert facts_of(text).budget == budget
