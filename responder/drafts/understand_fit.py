"""Fitting one head of the understanding model (the `train` extra): one-vs-rest liblinear
logistic regression, calibration and thresholds from out-of-fold scores, quantisation."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class Spec:
    """One head to fit: its kind and, per row, the classes it holds."""

    name: str
    kind: str  # "softmax" (one class per row), "binary" or "multilabel"
    classes: tuple[str, ...]
    truth: Any  # bool matrix, rows x classes
    rows: Any  # the indexes of the rows that carry this head's label
    weights: Any  # their weights
    c: float
    keep: int  # weights kept per class
    nb_alpha: float = 0.0  # > 0: naive Bayes scaled features (fit)
    blend: tuple[float, float] = (0.0, 0.0)  # (share, C) of a plain regression mixed in (fit)


def fit(
    x: Any,
    truth: Any,
    c: float,
    seed: int,
    weights: Any,
    nb_alpha: float = 0.0,
    blend: tuple[float, float] = (0.0, 0.0),
) -> tuple[Any, Any]:
    """One-vs-rest logistic regression: a (classes x features) matrix and the biases.
    (Not in threads: liblinear's random state is global, and threads crashed it.)

    With `nb_alpha` > 0 each class's regression reads every feature scaled by its naive
    Bayes log-count ratio for that class (NBSVM, Wang & Manning 2012, with smoothing
    `nb_alpha`), counted on these rows only; the ratio is folded into the weights, so the
    model stays linear in the features and scores as before.

    With a `blend` share > 0 the weights are that share of a plain regression's (its own
    C, no scaling) and the rest the NBSVM's: one linear model still, in the spirit of
    the paper's interpolation toward plain weights."""

    weighted = None if (weights == 1.0).all() else weights
    present = x.copy()
    present.data[:] = 1.0
    coef, bias = _fit(x, present, truth, c, seed, weighted, weights, nb_alpha)
    share, plain_c = blend
    if share > 0:
        plain, plain_bias = _fit(x, present, truth, plain_c, seed, weighted, weights, 0.0)
        coef, bias = (1 - share) * coef + share * plain, (1 - share) * bias + share * plain_bias
    return coef, bias


def _fit(
    x: Any,
    present: Any,
    truth: Any,
    c: float,
    seed: int,
    weighted: Any,
    weights: Any,
    nb_alpha: float,
) -> tuple[Any, Any]:
    import numpy as np

    found = [
        _one(x, present, truth[:, i].astype(int), c, seed, weighted, weights, nb_alpha)
        for i in range(truth.shape[1])
    ]
    return np.vstack([coef for coef, _ in found]), np.array([bias for _, bias in found])


def _one(
    x: Any,
    present: Any,
    y: Any,
    c: float,
    seed: int,
    weighted: Any,
    weights: Any,
    nb_alpha: float,
) -> tuple[Any, float]:
    import numpy as np
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    share = float(y.mean()) if len(y) else 0.0
    if share in (0.0, 1.0):  # a class this part never (or always) shows: a constant
        return np.zeros(x.shape[1]), 10.0 if share else -10.0
    ratio = np.ones(x.shape[1])
    if nb_alpha > 0:
        counts = present.T @ (weights * y), present.T @ (weights * (1 - y))
        yes, no = (nb_alpha + np.asarray(n).ravel() for n in counts)
        ratio = np.log((yes / yes.sum()) / (no / no.sum()))
    scaled = sp.csr_matrix(x @ sp.diags(ratio))
    scaled.sort_indices()
    model = LogisticRegression(C=c, solver="liblinear", dual=True, max_iter=1000, random_state=seed)
    model.fit(scaled, y, sample_weight=weighted)
    return model.coef_.ravel() * ratio, float(model.intercept_[0])


def fit_head(x: Any, spec: Spec, splits: Sequence[Any], seed: int) -> tuple[Any, Any, Any]:
    """Fit a head on all its rows, and on each fold's training part to score the rest:
    the weights, the biases and the raw out-of-fold scores of the head's rows. The six
    fits run in parallel processes (liblinear's random state is global: not threads);
    each is seeded, so the result does not depend on how many run at once."""
    import numpy as np
    from joblib import Parallel, delayed

    where = np.full(x.shape[0], -1)
    where[spec.rows] = np.arange(len(spec.rows))
    xs = x[spec.rows]
    parts = [np.arange(len(spec.rows))]
    scored = []
    for fit_part, score_part in splits:
        learn, score = where[fit_part], where[score_part]
        parts.append(learn[learn >= 0])
        scored.append(score[score >= 0])
    fitted = Parallel(n_jobs=min(os.cpu_count() or 1, len(parts)), max_nbytes=None)(
        delayed(fit)(
            xs[part], spec.truth[part], spec.c, seed, spec.weights[part], spec.nb_alpha, spec.blend
        )
        for part in parts
    )
    oof = np.zeros((len(spec.rows), len(spec.classes)))
    for (coef, bias), score in zip(fitted[1:], scored, strict=True):
        if len(score):
            oof[score] = xs[score] @ prune(coef, spec.keep).T + bias  # as it will be shipped
    coef, bias = fitted[0]
    return coef, bias, oof


def calibrate(spec: Spec, scores: Any) -> tuple[float, float]:
    """Platt (a, b) for a binary head; a softmax temperature (a, 0); multi-label (1, 0).

    Rounded to 9 decimals: the solvers' last bits vary from run to run (threaded BLAS),
    and a retrain must write the same bytes."""
    a, b = _calibration(spec, scores)
    return round(a, 9), round(b, 9)


def _calibration(spec: Spec, scores: Any) -> tuple[float, float]:
    import numpy as np
    from scipy.optimize import minimize_scalar
    from sklearn.linear_model import LogisticRegression

    if spec.kind == "multilabel":
        return 1.0, 0.0
    if spec.kind == "binary":
        platt = LogisticRegression(C=1e4).fit(scores, spec.truth[:, 0].astype(int))
        return float(platt.coef_[0, 0]), float(platt.intercept_[0])
    truth = spec.truth.argmax(axis=1)

    def loss(log_a: float) -> float:
        z = np.exp(log_a) * scores
        z -= z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(len(truth)), truth].mean())

    found = minimize_scalar(loss, bounds=(-3.0, 5.0), method="bounded")
    return float(np.exp(found.x)), 0.0


def probabilities(spec: Spec, scores: Any, calibration: tuple[float, float]) -> Any:
    """Calibrated probabilities, as understand_model.UnderstandModel.probabilities."""
    import numpy as np

    a, b = calibration
    if spec.kind != "softmax":
        return 1 / (1 + np.exp(-(a * scores + b)))
    z = a * scores
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def best_f1_threshold(probs: Any, truth: Any) -> float:
    """The probability (in steps of 0.05) at which out-of-fold (micro-)F1 is best."""
    import numpy as np

    best = (0.0, -0.5)
    for t in np.arange(0.05, 0.951, 0.05):
        guess = probs >= t
        tp = int((guess & truth).sum())
        f1 = 2 * tp / (2 * tp + int((guess != truth).sum())) if tp else 0.0
        best = max(best, (f1, -float(round(t, 2))))
    return -best[1]


def confident_threshold(probs: Any, truth: Any, accuracy: float) -> float:
    """The lowest confidence at which out-of-fold calls are right at least `accuracy`."""
    import numpy as np

    confidence = probs.max(axis=1)
    right = probs.argmax(axis=1) == truth.argmax(axis=1)
    for t in np.sort(np.unique(np.round(confidence, 3))):
        if right[confidence >= t].mean() >= accuracy:
            return float(t)
    return 1.0


def recall_threshold(probs: Any, truth: Any, already: Any, recall: float) -> float:
    """The highest probability (in steps of 0.01) at which the model, with the rows
    `already` flagged by other means, still finds `recall` of the true rows."""
    import numpy as np

    for t in np.arange(0.99, 0.0, -0.01):
        found = (probs >= t) | already
        if (found & truth).sum() >= recall * truth.sum():
            return float(round(t, 2))
    return 0.01


def prune(coef: Any, keep: int) -> Any:
    """Each class's `keep` largest weights, the others zero (as quantise keeps them)."""
    import numpy as np

    out = np.zeros_like(coef)
    for slot, row in enumerate(coef):
        order = np.argsort(-np.abs(row), kind="stable")[:keep]
        out[slot, order] = row[order]
    return out


def quantise(coefs: Sequence[Any], keeps: Sequence[int], vocabulary: Any) -> tuple[Any, Any, float]:
    """Keep each class's largest weights; renumber the features they use."""
    import numpy as np

    kept: list[tuple[int, int, float]] = []
    slot = 0
    for coef, keep in zip(coefs, keeps, strict=True):
        for row in coef:
            order = np.argsort(-np.abs(row), kind="stable")[:keep]
            kept.extend((int(i), slot, float(row[i])) for i in order if row[i] != 0)
            slot += 1
    scale = max(abs(w) for _, _, w in kept) / 32767
    used = sorted({i for i, _, _ in kept})
    number = {old: new for new, old in enumerate(used)}
    entries = sorted((number[i], s, round(w / scale)) for i, s, w in kept)
    return [str(vocabulary[i]) for i in used], entries, scale
