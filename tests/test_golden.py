"""The golden review set: what Tiexin makes of 60 varied mentions is committed, so every
change in understanding or drafting shows in review (tests/golden/__init__.py)."""

from __future__ import annotations

import json

from connectors.weibo.length import weibo_length
from tests.golden import EXPECTED, mentions, outcomes


def test_the_golden_set_is_sixty_varied_mentions() -> None:
    rows = mentions()
    assert len(rows) == 60
    assert len({row["id"] for row in rows}) == 60
    assert {row["platform"] for row in rows} == {"weibo", "wechat", "tieba"}
    expected = [json.loads(line) for line in EXPECTED.read_text(encoding="utf-8").splitlines()]
    intents = {row["intent"] for row in expected}
    assert len(intents) >= 15, intents  # nearly every intent has a mention
    assert sum(row["crisis"]["flag"] for row in expected) >= 5
    assert sum(row["spam"] for row in expected) >= 2


def test_understanding_and_drafts_match_the_reviewed_golden_outcomes() -> None:
    expected = [json.loads(line) for line in EXPECTED.read_text(encoding="utf-8").splitlines()]
    actual = outcomes()
    changed = [
        f"{old['id']} {old['text'][:30]}\n  was: {_short(old)}\n  now: {_short(new)}"
        for old, new in zip(expected, actual, strict=True)
        if old != new
    ]
    assert not changed, (
        f"{len(changed)} golden outcome(s) changed; if that is intended, run "
        "`.venv/bin/python -m tests.golden.update` and review the diff:\n" + "\n".join(changed)
    )


def test_golden_drafts_keep_the_rules() -> None:
    for row in [json.loads(line) for line in EXPECTED.read_text(encoding="utf-8").splitlines()]:
        if row["spam"]:
            assert row["drafts"] == [], row["id"]
            continue
        texts = [d["text"] for d in row["drafts"]]
        assert len(texts) == 3 and len(set(texts)) == 3, row["id"]
        for text in texts:
            assert "None" not in text and "{" not in text, (row["id"], text)
            if row["tone"] in ("upset", "crisis"):
                assert "哈" not in text, (row["id"], text)


def _short(row: dict[str, object]) -> str:
    drafts = row.get("drafts")
    first = drafts[0]["text"][:40] if isinstance(drafts, list) and drafts else ""
    return f"{row.get('intent')} {row.get('tone')} crisis={row.get('crisis')} {first}"


def test_weibo_golden_drafts_fit_a_comment() -> None:
    rows = [json.loads(line) for line in EXPECTED.read_text(encoding="utf-8").splitlines()]
    platform = {m["id"]: m["platform"] for m in mentions()}
    for row in rows:
        if platform[row["id"]] == "weibo":
            for draft in row["drafts"]:
                assert weibo_length(draft["text"]) <= 140, (row["id"], draft["text"])
