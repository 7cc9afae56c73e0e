"""A parcel that arrived wrong (the wrong item, something missing, a crushed box) gets what
went wrong named and the next step, never the general order rules or a request for the
order number it gave."""

from __future__ import annotations

import pytest

from responder.drafts.facts import facts_of
from tests.drafting import drafts


@pytest.mark.parametrize(
    ("text", "problem", "step"),
    [
        ("订单LX202612010456 买的是X7 Pro 寄来的是X7 什么情况", "发错货", "换"),
        ("Pad 3 到了 说好送的手写笔盒子里没有 LX202612020731", "少发了", "补"),
        ("快递箱子破了个大洞 Note 12 的盒子也压变形了 LX202612030915", "包装破损", "照片"),
    ],
)
def test_what_went_wrong_is_named_with_its_next_step(text: str, problem: str, step: str) -> None:
    assert facts_of(text).problem == problem
    for texts in drafts(text, times=2):
        assert len(texts) == 3
        assert sum(step in t for t in texts) >= 2, texts
        assert not any("订单在商城「我的」" in t for t in texts), texts  # no general rules
        assert not any("订单号" in t and "私信" in t for t in texts), texts  # it was given
