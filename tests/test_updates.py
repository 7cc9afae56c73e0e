"""Someone still waiting for an update others already have is told how updates roll out
(in batches; how to check by hand), not asked what went wrong after updating."""

from __future__ import annotations

import pytest

from responder.drafts.facts import facts_of
from tests.drafting import drafts


@pytest.mark.parametrize(
    "text",
    [
        "室友的Note 12早就推了3.2 我的怎么还是3.1 是不是漏了我",
        "X7 Pro 3.2.1 啥时候推啊 等了一个月了",
    ],
)
def test_waiting_for_an_update_is_told_about_the_batches(text: str) -> None:
    assert facts_of(text).waiting
    for texts in drafts(text, times=2):
        assert sum("分批" in t or "这一批" in t or "这批" in t for t in texts) >= 2, texts
        assert not any("更新后出了毛病" in t for t in texts), texts


def test_a_problem_after_updating_is_no_wait() -> None:
    assert facts_of("升到3.2以后相机黑屏 别人都推了修复我还没收到").waiting
    texts = [t for ds in drafts("升到3.2以后相机黑屏 怎么办", times=2) for t in ds]
    assert texts and not any("没收到推送不是手机出了毛病" in t for t in texts)
