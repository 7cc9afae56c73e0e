"""A follow-up to our own answer carries it on: a person who tried what we suggested and
it did not help gets the next step (the hotline, an engineer's check, a service centre),
never the same advice or "tell us what happened" again."""

from __future__ import annotations

from connectors.model import Author
from responder.drafts.facts import facts_of
from responder.drafts.understand import Said
from tests.drafting import suggestions

OURS = "可以把充电盒放回原装充电器上，静置十分钟再看指示灯～"
ASKED = "Watch S 表盘一直黑屏 重启也不亮"
CHAT = Author(id="oUpF8uT3kLm9_Qw2Er4tYu6Io8Pz", name="oUpF8uT3kLm9_Qw2Er4tYu6Io8Pz")


def _drafts(text: str, context: tuple[Said, ...]) -> list[str]:
    found = suggestions(text, platform="wechat", kind="message", author=CHAT, context=context)
    return [d.text for s in found for d in s.drafts]


def test_still_not_working_after_our_answer_gets_the_next_step() -> None:
    context = (
        Said(who="same", text=ASKED),
        Said(who="brand", text="可以长按电源键 15 秒强制重启试试～"),
    )
    texts = _drafts("按你说的弄了 还是不行 急死了", context)
    assert texts
    for text in texts:
        assert any(step in text for step in ("400-820-1688", "/service/booking", "/service/stores"))
        assert "说说怎么回事" not in text and "具体情况" not in text and "强制重启" not in text
        assert "私信" not in text and "oUpF8u" not in text  # a private chat, an id for a name


def test_the_same_words_without_our_answer_are_drafted_as_usual() -> None:
    alone = _drafts("按你说的弄了 还是不行 急死了", (Said(who="same", text=ASKED),))
    after = _drafts(
        "按你说的弄了 还是不行 急死了",
        (
            Said(who="same", text=ASKED),
            Said(who="brand", text="可以长按电源键 15 秒强制重启试试～"),
        ),
    )
    assert set(alone).isdisjoint(after)


def test_still_is_read_only_after_our_answer_and_the_topic_can_come_from_it() -> None:
    assert facts_of("试了 还是不行", ours=OURS).still
    assert not facts_of("试了 还是不行").still  # nobody suggested anything
    assert not facts_of("好了好了 谢谢", ours=OURS).still
    # Nothing in the follow-up or before it names the thing: our own answer does.
    assert facts_of("放了半小时 灯还是一直不亮", ours=OURS).topic == "充电盒"
