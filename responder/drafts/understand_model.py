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
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from responder.drafts.tokens import split_repost
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

    Text: character 1-3-grams, emoticons and emoji (sentiment.features) of the author's own
    words; a repost chain they quote ("//@name: ..."), 1-2-grams prefixed "q:". Earlier messages
    in `context`: 1-2-grams prefixed by who wrote them ("brand:", "same:", "other:").
    Metadata ("m:") and the author name's 1-2-grams ("n:"). The words of the text and of
    its context come with the rules' evidence (responder.drafts.evidence), which has them.
    """
    text = str(row.get("text") or "")
    own, quoted = split_repost(text)
    found = text_features(own, 3)  # the whole text, as sentiment read it, when nothing is quoted
    found.update("q:" + f for f in text_features(quoted, 2))
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
    role_probabilities: tuple[tuple[str, float], ...]  # every role with its probability
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

    def scores(self, found: Sequence[Set[str]]) -> Any:
        """Raw linear scores, a row of every slot per mention's feature set (each scaled by
        1/sqrt(its feature count)). The int16 rows of a mention's features are summed as
        int64, exactly, with one numpy call for the whole batch."""
        get = self.rows.get
        picked = [[i for i in map(get, f) if i is not None] for f in found]
        counts = np.fromiter(map(len, picked), dtype=np.intp, count=len(picked))
        flat = np.fromiter(chain.from_iterable(picked), dtype=np.intp, count=int(counts.sum()))
        sums = np.zeros((len(found), self.slots), dtype=np.int64)
        some = counts > 0  # reduceat would give a featureless mention its neighbour's row
        if some.any():
            starts = (np.cumsum(counts) - counts)[some]
            sums[some] = np.add.reduceat(self.matrix[flat], starts, axis=0, dtype=np.int64)
        sizes = np.fromiter((max(len(f), 1) for f in found), dtype=np.float64, count=len(found))
        return sums * (self.scale / np.sqrt(sizes))[:, None]

    def probabilities(self, head: str, scores: Any) -> Any:
        """Calibrated probabilities of one head's classes, a row per mention (binary: of its
        positive class)."""
        h = self.heads[head]
        raw = scores[:, h.offset : h.offset + len(h.classes)] + np.asarray(h.bias)
        a, b = h.calibration
        if len(h.classes) == 1 or h.multilabel:
            return _sigmoid(a * raw + b)
        exps = np.exp(a * (raw - raw.max(axis=1, keepdims=True)))
        return exps / exps.sum(axis=1, keepdims=True)

    def predict(self, row: Mapping[str, Any], evidence: Set[str] = frozenset()) -> Prediction:
        """Understand one mention (`evidence`: responder.drafts.evidence.features)."""
        return self.predict_all([row], [evidence])[0]

    def predict_all(
        self, rows: Sequence[Mapping[str, Any]], evidence: Sequence[Set[str]]
    ) -> list[Prediction]:
        """Understand a batch of mentions at once (each with its evidence)."""
        scores = self.scores([row_features(r) | e for r, e in zip(rows, evidence, strict=True)])
        heads = self.heads
        intents, roles, products = heads["intent"], heads["role"], heads["product"]
        intent_p = self.probabilities("intent", scores).tolist()
        role_p = self.probabilities("role", scores).tolist()
        product_p = self.probabilities("product", scores).tolist()
        reply_p = self.probabilities("reply_needed", scores)[:, 0].tolist()
        crisis_p = self.probabilities("crisis", scores)[:, 0].tolist()
        moods_p = self.probabilities("sentiment", scores)
        order = [heads["sentiment"].classes.index(c) for c in ("neg", "neutral", "pos")]
        moods_all = moods_p[:, order].tolist()
        aspects = self._aspects(scores)
        out = []
        for i in range(len(rows)):
            ranked = sorted(
                zip(intents.classes, intent_p[i], strict=True),
                key=lambda pair: (-pair[1], pair[0]),
            )
            best, confidence = ranked[0]
            role, role_confidence = _best(roles.classes, role_p[i])
            moods = tuple(moods_all[i])
            out.append(
                Prediction(
                    intent=best if confidence >= intents.threshold else UNCERTAIN,
                    intent_confidence=confidence,
                    best_intent=best,
                    top_intents=tuple(ranked[:3]),
                    role=role,
                    role_confidence=role_confidence,
                    role_probabilities=tuple(zip(roles.classes, role_p[i], strict=True)),
                    reply_needed=reply_p[i] >= heads["reply_needed"].threshold,
                    reply_probability=reply_p[i],
                    sentiment=("neg", "neutral", "pos")[moods.index(max(moods))],
                    sentiment_probabilities=(moods[0], moods[1], moods[2]),
                    crisis=crisis_p[i] >= heads["crisis"].threshold,
                    crisis_probability=crisis_p[i],
                    aspects=aspects[i],
                    product=_best(products.classes, product_p[i])[0],
                )
            )
        return out

    def _aspects(self, scores: Any) -> list[tuple[tuple[str, str], ...]]:
        """Each mention's aspects judged, with its likeliest polarity, most likely first."""
        h = self.heads["aspects"]
        a, b = h.calibration
        # sigmoid(a·x + b) ≥ threshold exactly when a·x + b ≥ logit(threshold), and the
        # sigmoid keeps the order: the aspect scores need no exp, only a comparison.
        t = h.threshold
        cut = math.log(t / (1 - t)) if 0 < t < 1 else (math.inf if t >= 1 else -math.inf)
        raw = scores[:, h.offset : h.offset + len(h.classes)] + np.asarray(h.bias)
        logits = a * raw + b
        found: list[dict[str, tuple[float, str]]] = [{} for _ in range(len(scores))]
        for i, j in zip(*np.nonzero(logits >= cut), strict=True):
            aspect, _, polarity = h.classes[j].partition(":")
            logit = float(logits[i, j])
            if logit > found[i].get(aspect, (-math.inf, ""))[0]:
                found[i][aspect] = (logit, polarity)
        return [
            tuple(
                (aspect, polarity)
                for aspect, (_, polarity) in sorted(one.items(), key=lambda x: (-x[1][0], x[0]))
            )
            for one in found
        ]


def _best(classes: Sequence[str], probs: Sequence[float]) -> tuple[str, float]:
    """The likeliest class and its probability (ties: the greater name, as max did)."""
    return max(zip(classes, probs, strict=True), key=lambda pair: (pair[1], pair[0]))


def _sigmoid(values: Any) -> Any:
    """The logistic function of an array, without overflow either way."""
    out = np.empty_like(values, dtype=np.float64)
    high = values >= 0
    out[high] = 1.0 / (1.0 + np.exp(-values[high]))
    low = np.exp(values[~high])
    out[~high] = low / (1.0 + low)
    return out


@dataclass(frozen=True, slots=True)
class Installed:
    """A model file `tiexin drafts train` installed: processes load it when told to."""

    version: int
    path: str
    sha256: str
