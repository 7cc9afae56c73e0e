"""The voice of the customer's topics (responder/voice/topics.py) over the demo feed's
mentions as their writer labelled them, and over small weeks made up for one rule each."""

from __future__ import annotations

import csv
import io
import json

import pytest

from connectors.replay import demo_path
from responder.voice.render import csv_text, html, markdown, parse_week
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
        assert not {"林小满", "lin"} & {p.lower() for p in topic.phrases}  # @林小满Lin's handle
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


def test_the_report_names_its_week_dates_and_zone_in_every_format() -> None:
    week = parse_week("2026-W49", "Asia/Shanghai")
    assert week.start.isoformat() == "2026-11-30T00:00:00+08:00"
    assert week.before.name == "2026-W48" and week.end.isoformat() == "2026-12-07T00:00:00+08:00"
    found = voice(_demo(), [], names=NAMES)
    md = markdown(found, week)
    assert md.startswith("# 客户之声 2026-W49\n2026年11月30日–12月06日（Asia/Shanghai）")
    assert "| 1 | 系统更新：" in md and "## 各产品口碑" in md
    text = csv_text(found, week)
    assert text.startswith("\ufeff客户之声 2026-W49,")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1][:4] == ["话题", "意图", "方面", "本周"]
    assert len(rows) == 2 + len(found.topics)
    page = html(found, week)
    assert "<h1>客户之声 2026-W49</h1>" in page and "起火" in page


def test_what_people_wrote_cannot_break_the_report() -> None:
    week = parse_week("2026-W01", "Asia/Shanghai")
    said = [
        _said(1, "lag", text='=HYPERLINK("http://x")卡死 | 表格'),
        _said(2, "lag", text="<script>alert(1)</script> 卡顿"),
    ]
    found = voice(said, [])
    assert "<script>" not in html(found, week) and "&lt;script&gt;" in html(found, week)
    rows = list(csv.reader(io.StringIO(csv_text(found, week).lstrip("\ufeff"))))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows[2:] for cell in row)
    assert '> =HYPERLINK("http://x")卡死 ｜ 表格' in markdown(found, week)


def test_a_week_that_is_not_one_is_refused_by_name() -> None:
    for bad in ("2026-49", "2026-W54", "W49", ""):
        with pytest.raises(ValueError, match="week"):
            parse_week(bad, "Asia/Shanghai")
