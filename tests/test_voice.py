"""The voice of the customer's topics (responder/voice/topics.py) over the demo feed's
mentions as their writer labelled them, and over small weeks made up for one rule each."""

from __future__ import annotations

import json

from connectors.replay import demo_path
from responder.voice.topics import Said, voice

NAMES = ("澜星", "X7", "Pro", "Note", "Watch", "Buds")
READ = {"neg": "negative", "pos": "positive", "neu": "neutral"}


def _demo() -> list[Said]:
    rows = [json.loads(line) for line in demo_path().read_text("utf-8").splitlines()]
    return [
        Said(
            id=r["id"],
            text=r["text"],
            intent=r["labels"].get("intent", ""),
            sentiment=READ.get(r["labels"].get("sentiment", ""), "neutral"),
            followers=r["author"]["followers"],
        )
        for r in rows
    ]


def _said(n: int, intent: str, sentiment: str = "negative", **more: object) -> Said:
    return Said(id=f"m{n}", text=str(more.pop("text", "又出问题了")), intent=intent,
                sentiment=sentiment, **more)  # type: ignore[arg-type]  # fmt: skip


def test_the_demo_weeks_complaints_are_named_by_what_people_said() -> None:
    found = voice(_demo(), [], names=NAMES)
    assert found.total == 400 and 150 < found.complaints < 300
    named = {t.intent: t for t in found.topics}
    assert {"起火", "烫伤"} <= set(named["crisis"].phrases)  # the charging fire
    assert "充电" in named["crisis"].phrases
    assert {"电池", "耗电"} & set(named["battery"].phrases)  # the battery drain
    assert "更新" in named["system_update"].phrases  # after the update
    assert "lag" in named and named["lag"].count >= 10
    assert not {"spam", "praise", "chit_chat"} & set(named)
    for topic in found.topics:
        assert not {"澜星", "x7", "你们"} & {p.lower() for p in topic.phrases}
        assert 1 <= len(topic.samples) <= 3
    counts = [t.count for t in found.topics]
    assert counts == sorted(counts, reverse=True)
    assert found.topics[0].name.startswith("系统更新：")


def test_what_rose_against_the_week_before() -> None:
    before = [_said(i, "lag") for i in range(5)] + [_said(10 + i, "battery") for i in range(2)]
    week = [_said(i, "lag") for i in range(4)] + [_said(10 + i, "battery") for i in range(9)]
    week += [_said(30 + i, "shipping") for i in range(3)]
    found = voice(week, before)
    assert [(t.intent, t.rise) for t in found.rising()] == [("battery", 7), ("shipping", 3)]
    lag = next(t for t in found.topics if t.intent == "lag")
    assert (lag.count, lag.before, lag.rise) == (4, 5, -1)


def test_a_complaint_is_a_problem_or_a_negative_reading_never_noise() -> None:
    week = [
        _said(1, "lag", "neutral", text="X7 又卡了"),  # a problem, however calmly said
        _said(2, "camera", "negative", text="夜景糊成一片"),  # negative about anything
        _said(3, "camera", "positive", text="夜景好看"),
        _said(4, "spam", "negative", text="加我领红包"),
        _said(5, "praise", "negative", text="好到让我生气"),
    ]
    found = voice(week, [])
    assert found.complaints == 2
    assert sorted(t.intent for t in found.topics) == ["camera", "lag"]


def test_topics_split_by_the_aspect_spoken_of_badly_and_products_are_felt_about() -> None:
    week = [
        _said(1, "system_update", aspects=(("battery", "neg"),), product="X7"),
        _said(2, "system_update", aspects=(("battery", "neg"),), product="X7"),
        _said(3, "system_update", aspects=(("camera", "pos"), ("smoothness", "neg"))),
        _said(4, "praise", "positive", product="X7"),
        _said(5, "camera", "neutral", product="Buds"),
    ]
    found = voice(week, [])
    assert [(t.intent, t.aspect, t.count) for t in found.topics] == [
        ("system_update", "battery", 2),
        ("system_update", "smoothness", 1),
    ]
    assert found.topics[0].name.startswith("系统更新 · 续航")
    assert found.topics[0].products == (("X7", 2),)
    assert found.products == {"X7": {"negative": 2, "positive": 1}, "Buds": {"neutral": 1}}
