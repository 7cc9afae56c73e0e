"""Evaluate understanding on labelled mentions (the demo file or the held-out jsonl)."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from responder.drafts.data import INTENTS, DataError
from responder.drafts.understand import Understanding, understand, warm_up
from sentiment import Label, score_texts

_LABELS = {
    "neg": Label.NEGATIVE,
    "neutral": Label.NEUTRAL,
    "pos": Label.POSITIVE,
    **{label.value: label for label in Label},
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One labelled mention."""

    text: str
    platform: str
    intent: str
    secondary: tuple[str, ...]
    sentiment: Label
    crisis: bool


def read_rows(paths: Iterable[Path]) -> list[Row]:
    """Read labelled jsonl files; raise DataError naming every bad line of every file."""
    rows: list[Row] = []
    problems: list[str] = []
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot read: {exc}")
            continue
        for number, line in enumerate(lines, 1):
            if line.strip():
                try:
                    rows.append(_row(json.loads(line)))
                except (ValueError, KeyError, TypeError, AttributeError) as exc:
                    problems.append(f"{path}: line {number}: {exc!r}")
    if problems:
        raise DataError("bad labelled data:\n  " + "\n  ".join(problems[:20]))
    if not rows:
        raise DataError("no labelled rows")
    return rows


def _row(item: dict[str, Any]) -> Row:
    """Accept the demo format (labels: {...}) and the held-out one (flat fields)."""
    labels = item.get("labels") or item
    intent = labels["intent"]
    if intent not in INTENTS:
        raise ValueError(f"unknown intent {intent!r}")
    secondary = item.get("secondary") or ()
    return Row(
        text=item["text"],
        platform=item.get("platform", "weibo"),
        intent=intent,
        secondary=(secondary,) if isinstance(secondary, str) else tuple(secondary),
        sentiment=_LABELS[labels["sentiment"]],
        crisis=bool(item.get("crisis", intent == "crisis")),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Evaluation:
    """Everything `tiexin drafts eval` prints."""

    rows: list[Row]
    results: list[Understanding]
    ms_understand: float  # per mention, intent + crisis + combined sentiment
    ms_model: float  # per mention, the sentiment model alone

    def lines(self, errors: bool = False) -> list[str]:
        """Render the report; the last line is machine-readable."""
        truth = [r.intent for r in self.rows]
        predicted = [u.intent for u in self.results]
        out = [f"{'intent':<18}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>6}"]
        f1s = []
        for name in [i for i in INTENTS if i in truth or i in predicted]:
            p, r, f1 = _prf(truth, predicted, name)
            f1s.append(f1)
            out.append(f"{name:<18}{p:>10.3f}{r:>8.3f}{f1:>8.3f}{truth.count(name):>6}")
        macro_f1 = sum(f1s) / len(f1s)
        n = len(self.rows)
        model_acc = sum(u.model_sentiment.label is r.sentiment for r, u in self._pairs()) / n
        shown_acc = sum(u.sentiment.label is r.sentiment for r, u in self._pairs()) / n
        c_truth = [r.crisis for r in self.rows]
        c_pred = [u.crisis.flag for u in self.results]
        c_tp = sum(t and p for t, p in zip(c_truth, c_pred, strict=True))
        c_recall = c_tp / sum(c_truth) if any(c_truth) else 1.0
        c_precision = c_tp / sum(c_pred) if any(c_pred) else 1.0
        wanted = [(s, u) for r, u in self._pairs() for s in r.secondary]
        found = sum(s == u.intent or s in u.secondary for s, u in wanted)
        out += [
            "",
            f"intent accuracy:       {sum(map(str.__eq__, truth, predicted)) / n:.4f}",
            f"intent macro-F1:       {macro_f1:.4f}",
            f"secondary found:       {found}/{len(wanted)}",
            f"sentiment accuracy:    model {model_acc:.4f}  combined {shown_acc:.4f}",
            f"crisis:                recall {c_recall:.4f}  precision {c_precision:.4f}"
            f"  ({c_tp} of {sum(c_truth)} found, {sum(c_pred)} flagged)",
            f"speed:                 {self.ms_understand:.4f} ms per mention understood"
            f" (+ {self.ms_model:.4f} ms sentiment model)",
        ]
        if errors:
            out += ["", *self._errors()]
        out += [
            "",
            f"intent macro_f1={macro_f1:.4f} crisis_recall={c_recall:.4f}"
            f" sentiment_acc={shown_acc:.4f} n={n}",
        ]
        return out

    def _pairs(self) -> zip[tuple[Row, Understanding]]:
        return zip(self.rows, self.results, strict=True)

    def _errors(self) -> list[str]:
        out = []
        for row, got in self._pairs():
            wrong = [
                f"intent {row.intent}->{got.intent}" if row.intent != got.intent else "",
                f"sentiment {row.sentiment}->{got.sentiment.label}"
                if row.sentiment is not got.sentiment.label
                else "",
                f"crisis {row.crisis}->{got.crisis.flag}" if row.crisis != got.crisis.flag else "",
            ]
            if any(wrong):
                words = dict(got.intent_words)
                out.append(f"{' '.join(w for w in wrong if w)} | {row.text[:80]} | {words}")
        return out


def evaluate(rows: list[Row]) -> Evaluation:
    """Score the model, then understand every row, timing each step separately."""
    warm_up()
    score_texts(["预热"])  # load the model before timing
    started = time.perf_counter()
    sentiments = score_texts([r.text for r in rows])
    scored = time.perf_counter()
    results = [
        understand(r.text, platform=r.platform, sentiment=s)
        for r, s in zip(rows, sentiments, strict=True)
    ]
    done = time.perf_counter()
    n = len(rows)
    return Evaluation(
        rows=rows,
        results=results,
        ms_understand=(done - scored) * 1000 / n,
        ms_model=(scored - started) * 1000 / n,
    )


def _prf(truth: list[str], predicted: list[str], name: str) -> tuple[float, float, float]:
    pairs = Counter((t == name, p == name) for t, p in zip(truth, predicted, strict=True))
    tp, fp, fn = pairs[(True, True)], pairs[(False, True)], pairs[(True, False)]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return precision, recall, f1
