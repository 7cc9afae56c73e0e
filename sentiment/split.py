"""A reproducible stratified hold-out split of a labelled file."""

from __future__ import annotations

import random
from collections.abc import Sequence

from sentiment.data import Example


def split(
    examples: Sequence[Example], fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """Return (train, held out); identical texts always land on the same side."""
    if not 0 < fraction < 1:
        raise ValueError("fraction must be between 0 and 1")
    groups: dict[str, list[Example]] = {}
    for example in examples:
        groups.setdefault(example.text, []).append(example)
    train: list[Example] = []
    held: list[Example] = []
    rng = random.Random(seed)
    for label in ("neg", "pos"):
        texts = sorted(t for t, group in groups.items() if group[0].label == label)
        rng.shuffle(texts)
        cut = round(len(texts) * fraction)
        for i, text in enumerate(texts):
            (held if i < cut else train).extend(groups[text])
    return train, held
