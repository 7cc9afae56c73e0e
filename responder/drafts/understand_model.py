"""The learned understanding model: intent, speaker role, reply-needed, sentiment, crisis,
aspects and product.

Trained by responder.drafts.understand_train (scikit-learn, the `train` extra); scored
here without scikit-learn: the kept weights are one dense int16 matrix (features ×
slots, about 12 MB) whose rows for a mention's features numpy sums as integers, exactly
and in any order, so every process gets the same scores (all of understand() went from
0.63 to 0.45 ms a mention with this, bench/understand.py). One feature set (the text,
its thread, who wrote it, and the rules' evidence: responder.drafts.evidence) feeds
linear heads:
- `intent`, `role`, `sentiment`, `product` (one-vs-rest, probabilities by a
  temperature-scaled softmax over their scores),
- `reply_needed`, `crisis` (binary, Platt-scaled),
- `aspects` (multi-label: one sigmoid per aspect and polarity, e.g. "battery:neg").

File format (gzip), like sentiment.linear: a 4-byte big-endian header length, a JSON
header, the feature names (UTF-8, NUL-separated), then the kept weights as three
little-endian arrays of equal length: feature index (uint32), slot (uint8: which score
of which head) and weight (int16, times the header's scale).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import struct
import sys
from array import array
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from sentiment.features import features as text_features
from sentiment.linear import read_model

FORMAT = "tiexin-understand-linear/1"
UNCERTAIN = "uncertain"  # the intent reported under the confidence threshold (意图不确定)
MAX_CONTEXT = 3  # the latest earlier messages of a thread that feed the features


def default_model_path() -> Path:
    """Return the understanding model shipped with Tiexin."""
    return Path(str(resources.files("responder") / "drafts" / "data" / "understand.tum.gz"))


def row_features(row: Mapping[str, Any]) -> set[str]:
    """Features of one mention (a dict shaped like tests/data/understanding.md's rows).

    Text: character 1-3-grams, emoticons and emoji (sentiment.features). Earlier messages
    in `context`: 1-2-grams prefixed by who wrote them ("brand:", "same:", "other:").
    Metadata ("m:") and the author name's 1-2-grams ("n:"). The words of the text and of
    its context come with the rules' evidence (responder.drafts.evidence), which has them.
    """
    text = str(row.get("text") or "")
    found = text_features(text, 3)
    author = row.get("author") or {}
    context = list(row.get("context") or [])[-MAX_CONTEXT:]
    for message in context:
        who = str(message.get("who", "other"))
        found.update(f"{who}:{f}" for f in text_features(str(message.get("text") or ""), 2))
    followers = max(int(author.get("followers") or 0), 0)
    found.update(
        (
            f"m:platform={row.get('platform')}",
            f"m:kind={row.get('kind')}",
            f"m:reply_to={row.get('reply_to')}",
            f"m:verified={author.get('verified', 'none')}",
            f"m:followers={int(math.log10(followers + 1))}",
            f"m:context={min(len(context), 2)}",
            f"m:length={min(len(text.strip()) // 20, 6)}",
            f"m:last={context[-1].get('who') if context else None}",
        )
    )
    found.update("n:" + f for f in text_features(str(author.get("name") or ""), 2))
    return found


@dataclass(frozen=True, slots=True, kw_only=True)
class Head:
    """One output of the model: its classes and how raw scores become probabilities."""

    name: str
    classes: tuple[str, ...]  # a binary head has one class, the positive one
    bias: tuple[float, ...]
    calibration: tuple[float, float]  # softmax temperature (a, 0) or Platt (a, b)
    threshold: float  # intent: below it, uncertain; binary, multi-label: at or above it, true
    offset: int  # its first slot in the score vector
    multilabel: bool = False  # each class a sigmoid of its own (calibration shared)


@dataclass(frozen=True, slots=True, kw_only=True)
class Prediction:
    """What the model says about one mention."""

    intent: str  # UNCERTAIN when the confidence is under the threshold
    intent_confidence: float  # probability of the best intent
    best_intent: str  # the best intent even when uncertain
    top_intents: tuple[tuple[str, float], ...]  # best first, at most three
    role: str
    role_confidence: float
    reply_needed: bool
    reply_probability: float
    sentiment: str  # "neg", "neutral" or "pos"
    sentiment_probabilities: tuple[float, float, float]  # of neg, neutral, pos
    crisis: bool
    crisis_probability: float
    aspects: tuple[tuple[str, str], ...]  # (aspect, polarity), most likely first
    product: str  # "" for none


def save(
    path: Path,
    heads: Sequence[Head],
    names: Sequence[str],
    entries: Sequence[tuple[int, int, int]],
    scale: float,
    provenance: Mapping[str, Any],
) -> None:
    """Write a model file; `entries` are (feature index, slot, int16 weight)."""
    meta = {
        "format": FORMAT,
        "scale": scale,
        "heads": [
            {
                "name": h.name,
                "classes": list(h.classes),
                "bias": list(h.bias),
                "calibration": list(h.calibration),
                "threshold": h.threshold,
                "offset": h.offset,
                "multilabel": h.multilabel,
            }
            for h in heads
        ],
        "count": len(names),
        "entries": len(entries),
        "provenance": dict(provenance),
    }
    names_blob = "\x00".join(names).encode()
    meta["names_bytes"] = len(names_blob)
    head = json.dumps(meta, ensure_ascii=False, sort_keys=True).encode()
    columns = (
        array("I", [e[0] for e in entries]),
        array("B", [e[1] for e in entries]),
        array("h", [e[2] for e in entries]),
    )
    if sys.byteorder != "little":
        for column in columns:
            column.byteswap()
    body = struct.pack(">I", len(head)) + head + names_blob
    body += b"".join(column.tobytes() for column in columns)
    with path.open("wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as handle:
        handle.write(body)  # no name or time in the gzip header: the same bytes every run


class UnderstandModel:
    """A loaded model file; `predict` is pure and thread-safe."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_model_path()
        meta, names, blob, start = read_model(self.path, FORMAT)
        self.sha256 = hashlib.sha256(self.path.read_bytes()).hexdigest()
        count = meta["entries"]
        columns = (array("I"), array("B"), array("h"))
        for column in columns:
            end = start + count * column.itemsize
            column.frombytes(blob[start:end])
            if sys.byteorder != "little":
                column.byteswap()
            start = end
        if len(names) != meta["count"] or any(len(c) != count for c in columns):
            raise ValueError(f"{self.path}: truncated model file")
        self.provenance: dict[str, Any] = meta["provenance"]
        self.heads = {
            h["name"]: Head(
                name=h["name"],
                classes=tuple(h["classes"]),
                bias=tuple(h["bias"]),
                calibration=(h["calibration"][0], h["calibration"][1]),
                threshold=h["threshold"],
                offset=h["offset"],
                multilabel=h.get("multilabel", False),
            )
            for h in meta["heads"]
        }
        self.scale = float(meta["scale"])
        self.slots = sum(len(h.classes) for h in self.heads.values())
        self.rows = {name: i for i, name in enumerate(names)}
        self.matrix = np.zeros((len(names), self.slots), dtype=np.int16)
        self.matrix[np.asarray(columns[0], dtype=np.intp), np.asarray(columns[1])] = columns[2]

    def scores(self, row: Mapping[str, Any], evidence: Set[str] = frozenset()) -> list[float]:
        """Raw linear scores of every slot (rows scaled by 1/sqrt(feature count))."""
        found = row_features(row) | evidence
        get = self.rows.get
        rows = [i for i in map(get, found) if i is not None]
        total = self.matrix[rows].sum(axis=0, dtype=np.int64)  # exact, in any order
        norm = self.scale / math.sqrt(max(len(found), 1))
        return [int(value) * norm for value in total]

    def probabilities(self, head: str, scores: Sequence[float]) -> list[float]:
        """Calibrated probabilities of one head's classes (binary: of its positive class)."""
        h = self.heads[head]
        raw = [scores[h.offset + i] + b for i, b in enumerate(h.bias)]
        a, b = h.calibration
        if len(raw) == 1 or h.multilabel:
            return [_sigmoid(a * value + b) for value in raw]
        top = max(raw)
        exps = [math.exp(a * (value - top)) for value in raw]
        whole = sum(exps)
        return [value / whole for value in exps]

    def predict(self, row: Mapping[str, Any], evidence: Set[str] = frozenset()) -> Prediction:
        """Understand one mention (`evidence`: responder.drafts.evidence.features)."""
        scores = self.scores(row, evidence)
        intents = self.heads["intent"]
        ranked = sorted(
            zip(intents.classes, self.probabilities("intent", scores), strict=True),
            key=lambda pair: (-pair[1], pair[0]),
        )
        best, confidence = ranked[0]
        roles = self.heads["role"]
        role, role_p = max(
            zip(roles.classes, self.probabilities("role", scores), strict=True),
            key=lambda pair: (pair[1], pair[0]),
        )
        (reply,) = self.probabilities("reply_needed", scores)
        (crisis,) = self.probabilities("crisis", scores)
        feeling = dict(
            zip(
                self.heads["sentiment"].classes,
                self.probabilities("sentiment", scores),
                strict=True,
            )
        )
        moods = (feeling.get("neg", 0.0), feeling.get("neutral", 0.0), feeling.get("pos", 0.0))
        return Prediction(
            intent=best if confidence >= intents.threshold else UNCERTAIN,
            intent_confidence=confidence,
            best_intent=best,
            top_intents=tuple(ranked[:3]),
            role=role,
            role_confidence=role_p,
            reply_needed=reply >= self.heads["reply_needed"].threshold,
            reply_probability=reply,
            sentiment=("neg", "neutral", "pos")[moods.index(max(moods))],
            sentiment_probabilities=moods,
            crisis=crisis >= self.heads["crisis"].threshold,
            crisis_probability=crisis,
            aspects=self._aspects(scores),
            product=self._best("product", scores)[0],
        )

    def _best(self, head: str, scores: Sequence[float]) -> tuple[str, float]:
        pairs = zip(self.heads[head].classes, self.probabilities(head, scores), strict=True)
        return max(pairs, key=lambda pair: (pair[1], pair[0]))

    def _aspects(self, scores: Sequence[float]) -> tuple[tuple[str, str], ...]:
        """Each aspect judged, with its likeliest polarity, most likely first."""
        h = self.heads["aspects"]
        a, b = h.calibration
        # sigmoid(a·x + b) ≥ threshold exactly when a·x + b ≥ logit(threshold), and the
        # sigmoid keeps the order: the 64 aspect scores need no exp, only a comparison.
        t = h.threshold
        cut = math.log(t / (1 - t)) if 0 < t < 1 else (math.inf if t >= 1 else -math.inf)
        found: dict[str, tuple[float, str]] = {}
        for i, name in enumerate(h.classes):
            logit = a * (scores[h.offset + i] + h.bias[i]) + b
            aspect, _, polarity = name.partition(":")
            if logit >= cut and logit > found.get(aspect, (-math.inf, ""))[0]:
                found[aspect] = (logit, polarity)
        ranked = sorted(found.items(), key=lambda item: (-item[1][0], item[0]))
        return tuple((aspect, polarity) for aspect, (_, polarity) in ranked)


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    e = math.exp(value)
    return e / (1.0 + e)


@dataclass(frozen=True, slots=True)
class Installed:
    """A model file `tiexin drafts train` installed: processes load it when told to."""

    version: int
    path: str
    sha256: str
