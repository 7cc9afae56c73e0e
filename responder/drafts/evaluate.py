"""Evaluate understanding on labelled mentions: the understanding sets (training, held-out),
the demo feed, or any jsonl of the older brand_mentions schema (what exists is mapped)."""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from responder.drafts.data import ALL_INTENTS, DataError
from responder.drafts.understand import Understanding, warm_up
from responder.drafts.understand_eval import binary_f1, macro_f1, understand_rows
from sentiment import Label, score_texts

_LABELS = {
    "neg": Label.NEGATIVE,
    "neutral": Label.NEUTRAL,
    "pos": Label.POSITIVE,
    **{label.value: label for label in Label},
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One labelled mention; labels a set does not have are None."""

    item: dict[str, Any]  # the mention as understand_eval.understand_row reads it
    intent: str
    secondary: tuple[str, ...]
    sentiment: Label
    crisis: bool
    role: str | None = None
    reply_needed: bool | None = None

    @property
    def text(self) -> str:
        return str(self.item["text"])


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
    """Accept the demo format (labels: {...}) and the flat one of the labelled sets."""
    labels = item.get("labels") or item
    intent = labels["intent"]
    if intent not in ALL_INTENTS:
        raise ValueError(f"unknown intent {intent!r}")
    if not isinstance(item["text"], str):
        raise ValueError("text is not a string")
    secondary = labels.get("secondary") or ()
    author = item.get("author") or {}
    verified = author.get("verified", "none")
    if isinstance(verified, bool):  # the demo feed's connectors.model.Author
        verified = "personal" if verified else "none"
    needed = labels.get("reply_needed")
    return Row(
        item={
            "text": item["text"],
            "platform": item.get("platform", "weibo"),
            "kind": item.get("kind", "mention"),
            "author": {**author, "verified": verified},
            "reply_to": item.get("reply_to", "brand"),
            "context": item.get("context") or [],
        },
        intent=intent,
        secondary=(secondary,) if isinstance(secondary, str) else tuple(secondary),
        sentiment=_LABELS[labels["sentiment"]],
        crisis=bool(labels.get("crisis", intent == "crisis")),
        role=labels.get("role"),
        reply_needed=None if needed is None else bool(needed),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Evaluation:
    """Everything `tiexin drafts eval` prints."""

    rows: list[Row]
    results: list[Understanding]
    ms_understand: float  # per mention, rules, model and the combination
    ms_model: float  # per mention, the sentiment model alone

    def lines(self, errors: bool = False) -> list[str]:
        """Render the report; the last line is machine-readable."""
        truth = [r.intent for r in self.rows]
        predicted = [u.intent for u in self.results]
        out = [f"{'intent':<18}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>6}"]
        for name in [i for i in ALL_INTENTS if i in truth or i in predicted]:
            p, r, f1 = _prf(truth, predicted, name)
            out.append(f"{name:<18}{p:>10.3f}{r:>8.3f}{f1:>8.3f}{truth.count(name):>6}")
        n = len(self.rows)
        pairs = list(zip(self.rows, self.results, strict=True))
        model_acc = sum(u.model_sentiment.label is r.sentiment for r, u in pairs) / n
        shown_acc = sum(u.sentiment.label is r.sentiment for r, u in pairs) / n
        c_tp = sum(r.crisis and u.crisis.flag for r, u in pairs)
        c_truth, c_pred = sum(r.crisis for r in self.rows), sum(u.crisis.flag for u in self.results)
        c_recall = c_tp / c_truth if c_truth else 1.0
        wanted = [(s, u) for r, u in pairs for s in r.secondary]
        found = sum(s == u.intent or s in u.secondary for s, u in wanted)
        roles = [(r.role, u.role) for r, u in pairs if r.role is not None]
        role_acc = sum(t == p for t, p in roles) / len(roles) if roles else math.nan
        needs = [(r.reply_needed, u.reply_needed) for r, u in pairs if r.reply_needed is not None]
        needed_f1 = binary_f1(*zip(*needs, strict=True)) if needs else math.nan
        unsure = sum(u.uncertain for u in self.results)
        out += [
            "",
            f"intent accuracy:       {sum(map(str.__eq__, truth, predicted)) / n:.4f}",
            f"intent macro-F1:       {macro_f1(truth, predicted):.4f}",
            f"intent uncertain:      {unsure} of {n} (意图不确定)",
            f"secondary found:       {found}/{len(wanted)}",
            f"sentiment accuracy:    shown {shown_acc:.4f}  (sentiment model {model_acc:.4f})",
            f"crisis:                recall {c_recall:.4f}"
            f"  precision {c_tp / c_pred if c_pred else 1.0:.4f}"
            f"  ({c_tp} of {c_truth} found, {c_pred} flagged)",
            f"role accuracy:         {role_acc:.4f}  ({len(roles)} labelled)",
            f"reply-needed F1:       {needed_f1:.4f}  ({len(needs)} labelled)",
            f"speed:                 {self.ms_understand:.4f} ms per mention understood"
            f" (+ {self.ms_model:.4f} ms sentiment model)",
        ]
        if errors:
            out += ["", *self._errors()]
        out += [
            "",
            f"intent macro_f1={macro_f1(truth, predicted):.4f} crisis_recall={c_recall:.4f}"
            f" sentiment_acc={shown_acc:.4f} reply_needed_f1={needed_f1:.4f}"
            f" role_acc={role_acc:.4f} n={n}",
        ]
        return out

    def _errors(self) -> list[str]:
        out = []
        for row, got in zip(self.rows, self.results, strict=True):
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
    """Score the sentiment model, then understand every row, timing each step separately."""
    warm_up()
    score_texts(["预热"])  # load the model before timing
    started = time.perf_counter()
    sentiments = score_texts([r.text for r in rows])
    scored = time.perf_counter()
    results = understand_rows([r.item for r in rows], sentiments)
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
