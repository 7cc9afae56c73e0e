"""Train the linear model: NB-weighted logistic regression over text features.

Needs the `train` extra (numpy, scipy, scikit-learn); scoring needs none of them.
The recipe: binary features, each row scaled by 1/sqrt(its feature count), features
weighted by their naive-Bayes log-count ratio (NB-LR), liblinear logistic regression,
Platt calibration on out-of-fold scores of the calibration data, then the largest
weights kept and quantised to int16.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sentiment.data import Example
from sentiment.features import features
from sentiment.linear import Header


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """Labelled examples with a weight; `calibrate` marks the data closest to real traffic."""

    name: str
    examples: Sequence[Example]
    weight: float = 1.0
    calibrate: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipe:
    """Hyperparameters (measured choices; see README, Sentiment)."""

    n_max: int = 3
    min_df: int = 2
    nb_alpha: float = 1.0
    c: float = 10.0
    keep: int = 200_000  # pruning 890k features to 200k cost nothing measurable
    band: float = 0.15  # neutral when |p - 0.5| <= band
    folds: int = 5
    seed: int = 2026


@dataclass(slots=True)
class Trained:
    """A trained model, ready for sentiment.linear.save."""

    header: Header
    names: list[str]
    weights: list[int]
    stats: dict[str, Any] = field(default_factory=dict)


def train(
    sources: Sequence[Source],
    recipe: Recipe = Recipe(),
    progress: Callable[[Iterable[Any], str], Iterable[Any]] = lambda it, _: it,
) -> Trained:
    """Fit a model on the sources; raise ValueError if the data cannot train one."""
    import numpy as np
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    rows = _dedupe(sources)
    if len({label for _, label, _, _ in rows}) < 2:
        raise ValueError("training needs both pos and neg examples")
    feats = [features(text, recipe.n_max) for text, _, _, _ in progress(rows, "features")]
    y = np.array([1 if label == "pos" else 0 for _, label, _, _ in rows])
    w = np.array([weight for _, _, weight, _ in rows])
    calibrate = np.array([cal for _, _, _, cal in rows])
    vectorizer = CountVectorizer(
        analyzer=_identity, binary=True, min_df=recipe.min_df, dtype=np.float32
    )
    x = vectorizer.fit_transform(feats)
    norm = 1 / np.sqrt(np.maximum([len(f) for f in feats], 1)).astype(np.float32)

    def fit(idx: Any) -> tuple[Any, float]:
        xb, yb, wb = x[idx], y[idx], w[idx]
        pos = np.asarray(xb[yb == 1].T @ wb[yb == 1]).ravel() + recipe.nb_alpha
        neg = np.asarray(xb[yb == 0].T @ wb[yb == 0]).ravel() + recipe.nb_alpha
        ratio = (np.log(pos / pos.sum()) - np.log(neg / neg.sum())).astype(np.float32)
        xn = sp.diags(norm[idx]) @ xb @ sp.diags(ratio)
        model = LogisticRegression(
            C=recipe.c, solver="liblinear", dual=True, max_iter=300, random_state=recipe.seed
        )
        model.fit(xn, yb, sample_weight=wb)
        return model.coef_.ravel() * ratio, float(model.intercept_[0])

    everything = np.arange(len(rows))
    coef, bias = fit(everything)
    platt = (1.0, 0.0)
    held = np.where(calibrate)[0]
    if len(held) >= recipe.folds * 2 and len(set(y[held])) == 2:
        others = np.where(~calibrate)[0]
        scores = np.zeros(len(held))
        splits = StratifiedKFold(recipe.folds, shuffle=True, random_state=recipe.seed).split(
            held, y[held]
        )
        for fit_part, score_part in progress(list(splits), "calibration folds"):
            c, b = fit(np.concatenate([others, held[fit_part]]))
            part = held[score_part]
            scores[score_part] = (x[part] @ c) * norm[part] + b
        platt_model = LogisticRegression(C=1e4).fit(scores.reshape(-1, 1), y[held])
        platt = (float(platt_model.coef_[0, 0]), float(platt_model.intercept_[0]))
    order = np.argsort(-np.abs(coef))[: recipe.keep]
    order = order[coef[order] != 0]
    scale = float(np.abs(coef[order]).max() / 32767) if len(order) else 1.0
    names = vectorizer.get_feature_names_out()
    header = Header(
        n_max=recipe.n_max,
        scale=scale,
        bias=bias,
        platt=platt,
        band=(0.5 - recipe.band, 0.5 + recipe.band),
        provenance={},
    )
    return Trained(
        header=header,
        names=[str(names[i]) for i in order],
        weights=[int(v) for v in np.round(coef[order] / scale)],
        stats={"rows": len(rows), "vocabulary": len(names), "kept": len(order)},
    )


def _identity(value: Any) -> Any:
    return value


def _dedupe(sources: Sequence[Source]) -> list[tuple[str, str, float, bool]]:
    """One row per text; a text labelled both ways anywhere is dropped as noise."""
    seen: dict[str, tuple[str, str, float, bool]] = {}
    conflicted: set[str] = set()
    for source in sources:
        for example in source.examples:
            prior = seen.get(example.text)
            if prior is not None and prior[1] != example.label:
                conflicted.add(example.text)
            elif prior is None or prior[2] < source.weight:
                seen[example.text] = (example.text, example.label, source.weight, source.calibrate)
    rows = [row for text, row in seen.items() if text not in conflicted]
    if not rows or not math.isfinite(sum(row[2] for row in rows)):
        raise ValueError("no usable training rows")
    return rows
