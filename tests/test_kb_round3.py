"""The knowledge base's third round (devices, wearables, shop): a question finds the entry
that answers it and not a neighbour's (WiFi dropping is no WiFi that will not connect, a
lagging pen no pen to pair), and the round's probes mostly find their entry first."""

from __future__ import annotations

import pytest

from responder.drafts.drafter import default_directory
from responder.drafts.english import answer_for, topic_of
from responder.drafts.knowledge import load_knowledge
from tests.kb_probes import found_first, probes

KB = load_knowledge(default_directory() / "kb.toml")
PRODUCTS = ("x7 pro", "x7", "buds", "watch", "note")


@pytest.mark.parametrize(
    ("text", "intent", "entry"),
    [
        ("X7 Pro 能不能当空调遥控器用", "how_to", "ir_remote"),
        ("升级以后wifi隔一会就断，自动跳到流量", "how_to", "wifi_drop"),
        ("wifi密码对的就是连不上", "how_to", "wifi_issue"),
        ("澜星笔写字老是断触，线条一截一截的", "after_sales", "pen_lag"),
        ("澜星笔怎么配对", "how_to", "pad_pen"),
        ("X7 Pro 怎么给 Buds 2 反向充电", "how_to", "wireless_charging"),
        ("相册里误删的照片还能恢复吗", "how_to", "recently_deleted"),
        ("显示签收了但是我根本没收到", "shipping", "lost_parcel"),
        ("无理由退货的运费谁出", "policy_question", "return_shipping"),
        ("Watch S 能刷地铁吗", "how_to", "watch_pay"),
        ("商城能用国补吗", "purchase_intent", "national_subsidy"),
        ("送修前要备份吗 会不会清空数据", "after_sales", "repair_backup"),
    ],
)
def test_a_round3_question_finds_its_own_entry(text: str, intent: str, entry: str) -> None:
    found = KB.answer(text, [intent])
    assert found is not None and found.id == entry


def test_an_english_speaker_asking_for_english_service_gets_the_hotline() -> None:
    text = "Is there English speaking customer service? My Chinese is not good enough."
    found = answer_for(KB, text, topic_of(text, PRODUCTS))
    assert found is not None and found.id == "english_service"
    assert "400-820-1688" in found.answer_en


def test_most_round3_probes_find_their_entry_first() -> None:
    """kb_probe_kb3.jsonl: mentions written apart from the phrasings, each with the entry that
    answers it ("" for none). Retrieval or phrasing changes that lose many show here."""
    rows = probes("kb3")
    assert len(rows) >= 100 and {r["expect"] for r in rows} >= {"", "esim", "lost_parcel"}
    found = found_first(KB, rows)
    assert found / len(rows) >= 0.9, f"{found} of {len(rows)} probes find their entry first"
