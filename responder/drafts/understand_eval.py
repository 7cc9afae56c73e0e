"""Figures for the understanding model: intent macro-F1, role accuracy, reply-needed F1.

Pure Python, so tests and `tiexin` can measure a shipped model without the train extra.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from responder.drafts.understand_model import UnderstandModel


@dataclass(frozen=True, slots=True, kw_only=True)
class Guess:
    """One prediction in the form the figures need."""

    intent: str  # the best intent, even when under the threshold
    confident: bool  # at or above the intent threshold
    role: str
    reply_needed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Figures:
    """How well a model did on one set."""

    n: int
    macro_f1: float  # over the intents present in the truth, best intent always taken
    role_acc: float
    reply_needed_f1: float  # F1 of reply_needed true
    confident_share: float  # share of mentions at or above the intent threshold
    confident_acc: float  # intent accuracy on those

    def line(self) -> str:
        """The machine-readable summary line."""
        return (
            f"understand macro_f1={self.macro_f1:.4f} role_acc={self.role_acc:.4f}"
            f" reply_needed_f1={self.reply_needed_f1:.4f} n={self.n}"
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
    sure = [(r["intent"], g.intent) for r, g in zip(rows, guesses, strict=True) if g.confident]
    return Figures(
        n=len(rows),
        macro_f1=macro_f1(intents, [g.intent for g in guesses]),
        role_acc=sum(r["role"] == g.role for r, g in zip(rows, guesses, strict=True)) / len(rows),
        reply_needed_f1=binary_f1(
            [bool(r["reply_needed"]) for r in rows], [g.reply_needed for g in guesses]
        ),
        confident_share=len(sure) / len(rows),
        confident_acc=sum(t == p for t, p in sure) / len(sure) if sure else 0.0,
    )


def evaluate(model: UnderstandModel, rows: Sequence[dict[str, Any]]) -> Figures:
    """Figures of a loaded model file on labelled rows."""
    guesses = []
    for row in rows:
        p = model.predict(row)
        guesses.append(
            Guess(
                intent=p.best_intent,
                confident=p.intent == p.best_intent,
                role=p.role,
                reply_needed=p.reply_needed,
            )
        )
    return figures(rows, guesses)


def report(label: str, result: Figures) -> list[str]:
    """Human lines, then the summary line."""
    return [
        f"[{label}]",
        f"  intent macro-F1:       {result.macro_f1:.4f}",
        f"  intent confident:      {result.confident_share:.1%} of mentions,"
        f" {result.confident_acc:.1%} right",
        f"  role accuracy:         {result.role_acc:.4f}",
        f"  reply-needed F1:       {result.reply_needed_f1:.4f}",
        result.line(),
    ]
