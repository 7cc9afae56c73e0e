"""The shipped model: a linear model over text features, scored in pure Python.

File format (gzip): a 4-byte big-endian header length, a JSON header, the feature names
(UTF-8, NUL-separated), then one little-endian int16 weight per feature. Plain bytes and
JSON, so a model file does not depend on the Python version that wrote it.
"""

from __future__ import annotations

import gzip
import json
import math
import struct
import sys
from array import array
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sentiment.base import Label, Sentiment
from sentiment.features import features

FORMAT = "tiexin-sentiment-linear/1"
_NOT_CUES = frozenset("[]@ABCDEFGHIJKLMNOPQRSTUVWXYZ")  # text is lower-cased; upper case = masks


def default_model_path() -> Path:
    """Return the model shipped with Tiexin."""
    return Path(str(resources.files("sentiment") / "model" / "default.tsm.gz"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Header:
    """Everything in a model file but the weights."""

    n_max: int
    scale: float  # weight = int16 * scale
    bias: float
    platt: tuple[float, float]  # p(pos) = sigmoid(a * raw + b)
    band: tuple[float, float]  # below: negative, above: positive, between: neutral
    provenance: dict[str, Any]


def save(path: Path, header: Header, names: list[str], weights: list[int]) -> None:
    """Write a model file."""
    meta = {
        "format": FORMAT,
        "n_max": header.n_max,
        "scale": header.scale,
        "bias": header.bias,
        "platt": list(header.platt),
        "band": list(header.band),
        "provenance": header.provenance,
        "count": len(names),
    }
    names_blob = "\x00".join(names).encode()
    meta["names_bytes"] = len(names_blob)
    head = json.dumps(meta, ensure_ascii=False).encode()
    packed = array("h", weights)
    if sys.byteorder != "little":
        packed.byteswap()
    body = struct.pack(">I", len(head)) + head + names_blob + packed.tobytes()
    with gzip.open(path, "wb", compresslevel=9) as handle:
        handle.write(body)


def read_model(path: Path, fmt: str) -> tuple[dict[str, Any], list[str], bytes, int]:
    """Read a model file: its JSON header, its feature names, and the whole body with the
    offset where the weights start (the layout both linear model files share)."""
    with gzip.open(path, "rb") as handle:
        blob = handle.read()
    (size,) = struct.unpack(">I", blob[:4])
    meta = json.loads(blob[4 : 4 + size])
    if meta.get("format") != fmt:
        raise ValueError(f"{path}: not a {fmt} model file")
    start = 4 + size + meta["names_bytes"]
    return meta, blob[4 + size : start].decode().split("\x00"), blob, start


class LinearScorer:
    """Score texts with a model file; implements sentiment.base.Scorer."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_model_path()
        meta, names, blob, split = read_model(self.path, FORMAT)
        count = meta["count"]
        weights = array("h")
        weights.frombytes(blob[split:])
        if sys.byteorder != "little":
            weights.byteswap()
        if len(names) != count or len(weights) != count:
            raise ValueError(f"{self.path}: truncated model file")
        self.header = Header(
            n_max=meta["n_max"],
            scale=meta["scale"],
            bias=meta["bias"],
            platt=tuple(meta["platt"]),
            band=tuple(meta["band"]),
            provenance=meta["provenance"],
        )
        self.weights: dict[str, int] = dict(zip(names, weights, strict=True))

    def probability(self, text: str) -> tuple[float, list[tuple[int, str]]]:
        """Return P(positive) and the weight of each of the text's features the model knows."""
        found = features(text, self.header.n_max)
        get = self.weights.get
        known = [(w, f) for f in found if (w := get(f)) is not None]
        raw = self.header.bias
        if found:
            raw += self.header.scale * sum(w for w, _ in known) / math.sqrt(len(found))
        a, b = self.header.platt
        return 1.0 / (1.0 + math.exp(-(a * raw + b))), known

    def score(self, text: str) -> Sentiment:
        probability, known = self.probability(text)
        low, high = self.header.band
        label = (
            Label.NEGATIVE
            if probability < low
            else Label.POSITIVE
            if probability > high
            else Label.NEUTRAL
        )
        return Sentiment(score=probability, label=label, cues=_cues(known, probability >= 0.5))


def _cues(known: list[tuple[int, str]], positive: bool, limit: int = 5) -> tuple[str, ...]:
    """The features that pushed hardest toward the decision, for agents to see.

    Whole emoticons and emoji stand for themselves; n-grams cut out of an emoticon
    (such as "[微笑" or "笑]") and n-grams overlapping a stronger cue are skipped.
    """
    sign = 1 if positive else -1
    # Only the features pushing the decision's way can be cues: sort those alone.
    pushes = sorted(((w * sign, f) for w, f in known if w * sign > 0), reverse=True)
    cues: list[str] = []
    for push, name in pushes:
        if push <= 0 or len(cues) >= limit:
            break
        whole = name[:1] in "EJ" and len(name) > 1 and not name[1].isalnum()
        shown = name[1:] if whole else name
        if not whole and any(c in _NOT_CUES for c in name):
            continue  # a piece of an emoticon, or of a URL/@name placeholder
        if (len(shown) == 1 and shown.isascii()) or any(shown in c or c in shown for c in cues):
            continue  # a lone Latin letter or digit tells an agent nothing
        cues.append(shown)
    return tuple(cues)
