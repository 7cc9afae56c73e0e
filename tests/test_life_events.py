"""A person's own big day shared with the brand (a wedding, an exam passed, a new home, a
baby) is congratulated as that day, in the words people say it with (新婚快乐, 恭喜上岸),
before any praise for the camera; never 「上岸快乐」."""

from __future__ import annotations

import pytest

from responder.drafts.facts import facts_of
from tests.drafting import drafts


@pytest.mark.parametrize(
    ("text", "occasion", "wish"),
    [
        ("周末办完婚礼啦 跟拍师傅全程用的X7 Pro 晚上翻照片翻到哭", "新婚", "新婚快乐"),
        ("公务员考试过了！！！备考那半年X7的闹钟陪我每天五点起", "上岸", None),
        ("录取通知书今天到了 第一时间用Note 12拍下来发给爸妈", "上岸", "恭喜上岸"),
        ("终于搬新家了 用X7拍了一张客厅的落日 好温柔", "乔迁", "恭喜乔迁新居"),
        ("二胎是个闺女 用X7 Pro拍的小脚丫 软软的", "添丁", "恭喜家里添了小宝贝"),
    ],
)
def test_a_life_event_is_congratulated_as_itself(
    text: str, occasion: str, wish: str | None
) -> None:
    assert facts_of(text).occasion == (occasion if wish else "")
    if wish is None:  # no word of the table: nothing is wished rather than a wrong wish
        return
    for texts in drafts(text, times=2):
        assert sum(wish in t for t in texts) >= 2, texts
        assert not any(occasion + "快乐" in t and occasion != "新婚" for t in texts), texts
        assert not any("有" in t and "拍的照片也晒晒" in t for t in texts), texts  # they did


def test_lost_photos_are_no_occasion() -> None:
    assert facts_of("换机以后婚纱照全没了 急死了").occasion == "新婚"  # the word is there…
    texts = [t for ds in drafts("换机以后婚纱照全没了 急死了", times=2) for t in ds]
    assert texts and not any("新婚快乐" in t for t in texts)  # …but nobody is happy
