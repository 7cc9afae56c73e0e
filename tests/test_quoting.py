"""Which knowledge-base entry a draft quotes (responder/drafts/quoting.py)."""

from __future__ import annotations

from responder.drafts.drafter import default_directory
from responder.drafts.knowledge import Entry
from responder.drafts.quoting import Quotes, load_quotes

KB = load_quotes(default_directory() / "kb.toml")


def _entry(ident: str, answer: str, answer_en: str = "") -> Entry:
    return Entry(
        id=ident,
        title=ident,
        intents=("how_to",),
        questions=(f"{ident}?",),
        answer=answer,
        answer_en=answer_en,
    )


def test_a_draft_quoting_an_answer_word_for_word_uses_its_entry() -> None:
    nfc = next(e for e in KB.entries if e.id == "nfc_cards")
    assert KB.entry_of(f"NFC是这样的：{nfc.answer}有问题接着问。") == "nfc_cards"
    assert KB.entry_of(f"Sure! {nfc.answer_en} Ping us anytime.") == "nfc_cards"
    assert KB.entry_of(f"NFC是这样的：{nfc.answer[:-3]}") == ""  # not word for word
    assert KB.entry_of("X7 卡顿问题拖着，换谁都烦，抱歉。") == ""
    assert KB.titles()["nfc_cards"] == ("NFC", "NFC门禁卡怎么添加")


def test_an_answer_holding_another_is_the_one_quoted() -> None:
    quotes = Quotes([_entry("short", "去设置里关掉"), _entry("long", "先备份，再去设置里关掉")])
    assert quotes.entry_of("好的，先备份，再去设置里关掉。") == "long"
    assert quotes.entry_of("好的，去设置里关掉。") == "short"
