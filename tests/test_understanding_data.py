"""The labelled sets for the understanding model (issue 23): the training set and the
held-out set written apart from it, both in the schema of tests/data/understanding.md."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from responder.drafts.data import ALL_INTENTS

DATA = Path(__file__).parent / "data"
TRAIN, HELDOUT = DATA / "understanding_train.jsonl", DATA / "understanding_heldout.jsonl"
DEV = DATA / "understanding_dev.jsonl"  # for choosing recipes: never trained on
WEAR = DATA / "understanding_wearables_heldout.jsonl"  # a held-out probe: the watch's readings
# The rules' intents and the eight issue 23 adds (one home: responder/drafts/data.py).
INTENTS = frozenset(ALL_INTENTS)
ASPECTS = frozenset(
    [
        "battery",
        "charging",
        "smoothness",
        "heat",
        "camera",
        "beauty_filter",
        "screen",
        "signal",
        "audio",
        "design",
        "price",
        "system",
        "update",
        "ads",
        "privacy",
        "shipping",
        "service",
        "repair",
        "store",
        "accessory",
        "software_app",
        "durability",
        "gaming",
        "other",
    ]
)
PRODUCTS = frozenset({"X7", "X7 Pro", "Note 12", "Pad 3", "Watch S", "Buds 2", "澜OS"}) | {
    "accessory",
    "other",
    "",
}
ROLES = frozenset({"customer", "bystander", "media", "fan_reply", "brand", "bot"})
REASONS = frozenset(
    [
        "question",
        "complaint",
        "report",
        "request",
        "crisis",
        "praise",
        "greeting",
        "chatter",
        "cheer",
        "bare_repost",
        "fan_answered",
        "own_post",
        "spam",
        "bystander_reaction",
        "media_inquiry",
    ]
)
FIELDS = frozenset(
    [
        "id",
        "platform",
        "kind",
        "author",
        "reply_to",
        "context",
        "text",
        "intent",
        "secondary",
        "product",
        "sentiment",
        "aspects",
        "role",
        "reply_needed",
        "reply_reason",
        "crisis",
        "crisis_words",
    ]
)


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _problems(row: dict[str, Any]) -> list[str]:
    if set(row) != FIELDS:
        return [f"fields {sorted(set(row) ^ FIELDS)}"]
    author = row["author"]
    checks = {
        "platform": row["platform"] in {"weibo", "wechat", "tieba"},
        "kind": row["kind"] in {"mention", "comment", "repost", "message", "post", "reply"},
        "author": set(author) == {"name", "followers", "verified"}
        and bool(author["name"])
        and isinstance(author["followers"], int)
        and author["verified"] in {"none", "personal", "media", "enterprise", "brand"},
        "reply_to": row["reply_to"] in {"brand", "user", None},
        "context": all(c["who"] in {"same", "brand", "other"} for c in row["context"]),
        "text": bool(row["text"].strip()) or row["kind"] == "repost",
        "intent": row["intent"] in INTENTS,
        "secondary": set(row["secondary"]) <= INTENTS and row["intent"] not in row["secondary"],
        "product": row["product"] in PRODUCTS,
        "sentiment": row["sentiment"] in {"neg", "neutral", "pos"},
        "aspects": all(
            a["aspect"] in ASPECTS and a["polarity"] in {"neg", "pos", "neutral"}
            for a in row["aspects"]
        ),
        "role": row["role"] in ROLES,
        "reply_needed": isinstance(row["reply_needed"], bool),
        "reply_reason": row["reply_reason"] in REASONS,
        "crisis": row["crisis"] == ("crisis" in {row["intent"], *row["secondary"]}),
        "crisis_words": all(w in row["text"] for w in row["crisis_words"])
        and bool(row["crisis_words"]) == row["crisis"],
    }
    return [name for name, ok in checks.items() if not ok]


@pytest.mark.parametrize(("path", "least"), [(TRAIN, 2500), (HELDOUT, 600), (DEV, 1000)])
def test_each_set_is_large_and_every_row_is_labelled_in_the_schema(path: Path, least: int) -> None:
    rows = _rows(path)
    assert len(rows) >= least
    bad = {row["id"]: p for row in rows if (p := _problems(row))}
    assert bad == {}
    assert len({row["id"] for row in rows}) == len(rows)
    intents = Counter(row["intent"] for row in rows)
    assert set(intents) == INTENTS  # every intent is there, with enough rows to judge it
    assert min(intents.values()) >= (60 if path == TRAIN else 15)
    assert {row["role"] for row in rows} == ROLES
    assert 0.1 < sum(not row["reply_needed"] for row in rows) / len(rows) < 0.4


@pytest.mark.parametrize(
    ("one", "other"), [(TRAIN, HELDOUT), (TRAIN, DEV), (DEV, HELDOUT), (TRAIN, WEAR), (DEV, WEAR)]
)
def test_the_sets_share_no_ids_or_texts(one: Path, other: Path) -> None:
    first, second = _rows(one), _rows(other)
    assert not {r["id"] for r in first} & {r["id"] for r in second}
    # Short stock phrases (你好, 在吗, 转发微博) occur anywhere; anything longer is its own.
    longer = {r["text"] for r in first if len(r["text"]) > 8}
    assert [r["id"] for r in second if r["text"] in longer] == []


def test_the_wearables_probe_is_labelled_in_the_schema() -> None:
    rows = _rows(WEAR)
    assert len(rows) == 30 and len({row["id"] for row in rows}) == 30
    assert {row["id"]: p for row in rows if (p := _problems(row))} == {}
