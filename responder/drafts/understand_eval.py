"""Figures for the understanding model: intent macro-F1, crisis recall, sentiment accuracy,
reply-needed F1, role accuracy (and product accuracy, aspect F1).

Pure Python, so tests and `tiexin` can measure a shipped model without the train extra.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from responder.drafts.understand import Asked, Said, Speaker, Understanding, understand_all
from responder.drafts.understand_model import UnderstandModel
from sentiment import Label, Sentiment, score_texts

_SHORT = {Label.NEGATIVE: "neg", Label.NEUTRAL: "neutral", Label.POSITIVE: "pos"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Guess:
    """One prediction in the form the figures need."""

    intent: str  # the best intent, even when under the threshold
    confident: bool  # at or above the intent threshold
    role: str
    reply_needed: bool
    sentiment: str  # "neg", "neutral" or "pos"
    crisis: bool
    product: str
    aspects: frozenset[str]  # "aspect:polarity"


@dataclass(frozen=True, slots=True, kw_only=True)
class Figures:
    """How well a model did on one set."""

    n: int
    macro_f1: float  # over the intents present in the truth, best intent always taken
    role_acc: float
    reply_needed_f1: float  # F1 of reply_needed true
    confident_share: float  # share of mentions at or above the intent threshold
    confident_acc: float  # intent accuracy on those
    crisis_recall: float
    crisis_precision: float
    sentiment_acc: float  # three classes
    product_acc: float
    aspects_f1: float  # micro-F1 of (aspect, polarity) pairs

    def line(self) -> str:
        """The machine-readable summary line (`tiexin drafts eval` ends with it)."""
        return (
            f"intent macro_f1={self.macro_f1:.4f} crisis_recall={self.crisis_recall:.4f}"
            f" sentiment_acc={self.sentiment_acc:.4f} reply_needed_f1={self.reply_needed_f1:.4f}"
            f" role_acc={self.role_acc:.4f} n={self.n}"
        )


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Read a labelled JSON-lines set (tests/data/understanding.md)."""
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise ValueError(f"{path}:{number}: not JSON: {error}") from None
    if not rows:
        raise ValueError(f"{path}: no rows")
    return rows


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """Macro-F1 over the labels present in `truth`."""
    pairs = Counter(zip(truth, predicted, strict=True))
    f1s = []
    for label in sorted(set(truth)):
        tp = pairs[(label, label)]
        fp = sum(n for (t, p), n in pairs.items() if p == label and t != label)
        fn = sum(n for (t, p), n in pairs.items() if t == label and p != label)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / len(f1s)


def binary_f1(truth: Sequence[bool], predicted: Sequence[bool]) -> float:
    """F1 of the true class."""
    tp = sum(t and p for t, p in zip(truth, predicted, strict=True))
    wrong = sum(t != p for t, p in zip(truth, predicted, strict=True))
    return 2 * tp / (2 * tp + wrong) if tp else 0.0


def figures(rows: Sequence[dict[str, Any]], guesses: Sequence[Guess]) -> Figures:
    """Compare guesses with the rows' labels."""
    if len(rows) != len(guesses) or not rows:
        raise ValueError("need the same non-zero number of rows and guesses")
    intents = [str(r["intent"]) for r in rows]
    pairs = list(zip(rows, guesses, strict=True))
    sure = [(r["intent"], g.intent) for r, g in pairs if g.confident]
    crises = [g.crisis for r, g in pairs if r["crisis"]]
    flagged = [bool(r["crisis"]) for r, g in pairs if g.crisis]
    held = [{f"{a['aspect']}:{a['polarity']}" for a in r["aspects"]} for r in rows]
    tp = sum(len(h & g.aspects) for h, (_, g) in zip(held, pairs, strict=True))
    wrong = sum(len(h ^ g.aspects) for h, (_, g) in zip(held, pairs, strict=True))
    return Figures(
        n=len(rows),
        macro_f1=macro_f1(intents, [g.intent for g in guesses]),
        role_acc=sum(r["role"] == g.role for r, g in zip(rows, guesses, strict=True)) / len(rows),
        reply_needed_f1=binary_f1(
            [bool(r["reply_needed"]) for r in rows], [g.reply_needed for g in guesses]
        ),
        confident_share=len(sure) / len(rows),
        confident_acc=sum(t == p for t, p in sure) / len(sure) if sure else 0.0,
        crisis_recall=sum(crises) / len(crises) if crises else 1.0,
        crisis_precision=sum(flagged) / len(flagged) if flagged else 1.0,
        sentiment_acc=sum(r["sentiment"] == g.sentiment for r, g in pairs) / len(rows),
        product_acc=sum(r["product"] == g.product for r, g in pairs) / len(rows),
        aspects_f1=2 * tp / (2 * tp + wrong) if tp else 0.0,
    )


def guess(known: Understanding) -> Guess:
    """What understand() said, in the form the figures need."""
    return Guess(
        intent=known.intent,
        confident=not known.uncertain,
        role=known.role,
        reply_needed=known.reply_needed,
        sentiment=_SHORT[known.sentiment.label],
        crisis=known.crisis.flag,
        product=known.product,
        aspects=frozenset(f"{a}:{p}" for a, p in known.aspects),
    )


BATCH = 50  # mentions understood at once, as a scoring process gets them (100 over 2)


def understand_row(
    row: Mapping[str, Any], sentiment: Sentiment, model: UnderstandModel | None = None
) -> Understanding:
    """understand() one labelled row (tests/data/understanding.md's schema)."""
    return understand_rows([row], [sentiment], model)[0]


def understand_rows(
    rows: Sequence[Mapping[str, Any]],
    sentiments: Sequence[Sentiment],
    model: UnderstandModel | None = None,
) -> list[Understanding]:
    """Understand labelled rows in batches, as the pipeline does."""
    asked = [_asked(r, s) for r, s in zip(rows, sentiments, strict=True)]
    return [
        known
        for i in range(0, len(asked), BATCH)
        for known in understand_all(asked[i : i + BATCH], using=model)
    ]


def _asked(row: Mapping[str, Any], sentiment: Sentiment) -> Asked:
    author = row.get("author") or {}
    return Asked(
        text=str(row.get("text") or ""),
        platform=str(row.get("platform") or "weibo"),
        sentiment=sentiment,
        kind=str(row.get("kind") or "mention"),
        author=Speaker(
            name=str(author.get("name") or ""),
            followers=int(author.get("followers") or 0),
            verified=str(author.get("verified") or "none"),
        ),
        reply_to=row.get("reply_to", "brand"),
        context=tuple(
            Said(who=str(c.get("who", "other")), text=str(c.get("text") or ""))
            for c in row.get("context") or ()
        ),
    )


def evaluate(model: UnderstandModel | None, rows: Sequence[dict[str, Any]]) -> Figures:
    """Figures of understand() with a loaded model file (None: the installed one)."""
    moods = score_texts([str(r.get("text") or "") for r in rows])
    return figures(rows, [guess(known) for known in understand_rows(rows, moods, model)])


def report(label: str, result: Figures) -> list[str]:
    """Human lines, then the summary line."""
    return [
        f"[{label}]",
        f"  intent macro-F1:       {result.macro_f1:.4f}",
        f"  intent confident:      {result.confident_share:.1%} of mentions,"
        f" {result.confident_acc:.1%} right",
        f"  crisis:                recall {result.crisis_recall:.4f}"
        f"  precision {result.crisis_precision:.4f}",
        f"  sentiment accuracy:    {result.sentiment_acc:.4f}",
        f"  role accuracy:         {result.role_acc:.4f}",
        f"  reply-needed F1:       {result.reply_needed_f1:.4f}",
        f"  product accuracy:      {result.product_acc:.4f}",
        f"  aspects micro-F1:      {result.aspects_f1:.4f}",
        result.line(),
    ]
