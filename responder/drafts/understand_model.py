"""The learned understanding model: intent, speaker role and reply-needed, in pure Python.

Trained by responder.drafts.understand_train (scikit-learn, the `train` extra); scored
here with no numpy or scikit-learn. One feature set feeds three linear heads:
- `intent` (one-vs-rest, probabilities by temperature-scaled softmax over its scores),
- `role` (the same),
- `reply_needed` (binary, Platt-scaled).

File format (gzip), like sentiment.linear: a 4-byte big-endian header length, a JSON
header, the feature names (UTF-8, NUL-separated), then the kept weights as three
little-endian arrays of equal length: feature index (uint32), slot (uint8: which score
of which head) and weight (int16, times the header's scale).
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import struct
import sys
import threading
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sentiment.features import features as text_features
from sentiment.features import normalize
from sentiment.linear import read_model

if TYPE_CHECKING:
    import jieba

FORMAT = "tiexin-understand-linear/1"
UNCERTAIN = "uncertain"  # the intent reported under the confidence threshold (意图不确定)
MAX_CONTEXT = 3  # the latest earlier messages of a thread that feed the features
_lock = threading.Lock()
_words: list[jieba.Tokenizer] = []


def default_model_path() -> Path:
    """Return the understanding model shipped with Tiexin."""
    return Path(str(resources.files("responder") / "drafts" / "data" / "understand.tum.gz"))


def _segmenter() -> jieba.Tokenizer:
    """A plain jieba tokenizer (no rule-file words, so editing rules cannot shift features)."""
    if not _words:
        with _lock:  # loading the dictionary takes most of a second; do it once
            if not _words:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                found = jieba.Tokenizer()
                found.initialize()
                _words.append(found)
    return _words[0]


def _words_of(text: str) -> set[str]:
    norm = normalize(text)
    return {w for w in _segmenter().lcut(norm) if w.strip()}


def row_features(row: Mapping[str, Any]) -> set[str]:
    """Features of one mention (a dict shaped like tests/data/understanding.md's rows).

    Text: character 1-3-grams, emoticons and emoji (sentiment.features) and jieba words
    ("w:"). Earlier messages in `context`: 1-2-grams and words prefixed by who wrote them
    ("brand:", "same:", "other:"). Metadata ("m:") and the author name's 1-2-grams ("n:").
    """
    text = str(row.get("text") or "")
    found = text_features(text, 3)
    found.update("w:" + w for w in _words_of(text))
    author = row.get("author") or {}
    context = list(row.get("context") or [])[-MAX_CONTEXT:]
    for message in context:
        who = str(message.get("who", "other"))
        said = str(message.get("text") or "")
        found.update(f"{who}:{f}" for f in text_features(said, 2))
        found.update(f"{who}:w:{w}" for w in _words_of(said))
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
    threshold: float  # intent: below it, uncertain; binary: at or above it, true
    offset: int  # its first slot in the score vector


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
            )
            for h in meta["heads"]
        }
        scale = float(meta["scale"])
        table: dict[str, list[tuple[int, float]]] = {}
        for index, slot, weight in zip(*columns, strict=True):
            table.setdefault(names[index], []).append((slot, weight * scale))
        self.weights = {name: tuple(pairs) for name, pairs in table.items()}
        self.slots = sum(len(h.classes) for h in self.heads.values())

    def scores(self, row: Mapping[str, Any]) -> list[float]:
        """Raw linear scores of every slot (rows scaled by 1/sqrt(feature count))."""
        found = row_features(row)
        total = [0.0] * self.slots
        get = self.weights.get
        for name in sorted(found):  # a fixed order: the same sums in every process
            for slot, weight in get(name, ()):
                total[slot] += weight
        norm = 1 / math.sqrt(max(len(found), 1))
        return [value * norm for value in total]

    def probabilities(self, head: str, scores: Sequence[float]) -> list[float]:
        """Calibrated probabilities of one head's classes (binary: of its positive class)."""
        h = self.heads[head]
        raw = [scores[h.offset + i] + b for i, b in enumerate(h.bias)]
        a, b = h.calibration
        if len(raw) == 1:
            return [_sigmoid(a * raw[0] + b)]
        top = max(raw)
        exps = [math.exp(a * (value - top)) for value in raw]
        whole = sum(exps)
        return [value / whole for value in exps]

    def predict(self, row: Mapping[str, Any]) -> Prediction:
        """Understand one mention."""
        scores = self.scores(row)
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
        return Prediction(
            intent=best if confidence >= intents.threshold else UNCERTAIN,
            intent_confidence=confidence,
            best_intent=best,
            top_intents=tuple(ranked[:3]),
            role=role,
            role_confidence=role_p,
            reply_needed=reply >= self.heads["reply_needed"].threshold,
            reply_probability=reply,
        )


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    e = math.exp(value)
    return e / (1.0 + e)
