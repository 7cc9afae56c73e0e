"""Accuracy, macro-F1 and the confusion matrix of a binary (pos/neg) evaluation."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sentiment.data import LABELS


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """What `tiexin sentiment eval` prints."""

    n: int
    accuracy: float
    macro_f1: float
    confusion: dict[tuple[str, str], int]  # (true, predicted) -> count
    ms_per_text: float

    def lines(self) -> list[str]:
        """Render the report; the last line is machine-readable."""
        width = max(len(label) for label in LABELS) + 2
        head = "true \\ predicted".ljust(18) + "".join(p.rjust(width + 4) for p in LABELS)
        rows = [
            f"{true}".ljust(18)
            + "".join(str(self.confusion.get((true, p), 0)).rjust(width + 4) for p in LABELS)
            for true in LABELS
        ]
        return [
            f"texts:      {self.n}",
            f"accuracy:   {self.accuracy:.4f}",
            f"macro-F1:   {self.macro_f1:.4f}",
            f"speed:      {self.ms_per_text:.4f} ms per text",
            "",
            head,
            *rows,
            "",
            f"accuracy={self.accuracy:.4f} macro_f1={self.macro_f1:.4f}"
            f" ms_per_text={self.ms_per_text:.4f} n={self.n}",
        ]


def report(truth: list[str], predicted: list[str], seconds: float) -> Report:
    """Compare labels; `seconds` is the time spent predicting all of them."""
    if len(truth) != len(predicted) or not truth:
        raise ValueError("need the same non-zero number of true and predicted labels")
    confusion = Counter(zip(truth, predicted, strict=True))
    correct = sum(confusion[(label, label)] for label in LABELS)
    f1s = []
    for label in LABELS:
        tp = confusion[(label, label)]
        fp = sum(confusion[(other, label)] for other in LABELS if other != label)
        fn = sum(confusion[(label, other)] for other in LABELS if other != label)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return Report(
        n=len(truth),
        accuracy=correct / len(truth),
        macro_f1=sum(f1s) / len(f1s),
        confusion=dict(confusion),
        ms_per_text=seconds * 1000 / len(truth),
    )
