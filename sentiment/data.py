"""Labelled CSV files (`text,label`, label `pos` or `neg`): reading with clear errors."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

LABELS = ("neg", "pos")
_MAX_SHOWN = 10


class DataError(Exception):
    """A labelled file that cannot be used; the message lists the bad rows."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Example:
    """One labelled text."""

    text: str
    label: str  # "pos" or "neg"


def clean(text: str) -> str:
    """Normalise a text the same way for training and scoring."""
    return text.replace("\ufeff", "").strip()


def read_labelled(path: Path) -> list[Example]:
    """Read a `text,label` CSV; raise DataError naming every bad row (up to ten)."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc}") from exc
    problems: list[str] = []
    examples: list[Example] = []
    with handle:
        reader = csv.DictReader(handle)
        missing = {"text", "label"} - set(reader.fieldnames or ())
        if missing:
            raise DataError(
                f"{path}: header must have text and label columns, got {reader.fieldnames}"
            )
        try:
            for row in reader:
                label = (row.get("label") or "").strip()
                text = clean(row.get("text") or "")
                if label not in LABELS:
                    problems.append(
                        f"line {reader.line_num}: label must be pos or neg, got {label!r}"
                    )
                elif text:
                    examples.append(Example(text=text, label=label))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: line {reader.line_num}: {exc}") from exc
    if problems:
        shown = "\n  ".join(problems[:_MAX_SHOWN])
        more = (
            f"\n  ... and {len(problems) - _MAX_SHOWN} more" if len(problems) > _MAX_SHOWN else ""
        )
        raise DataError(f"{path}: {len(problems)} bad rows\n  {shown}{more}")
    if not examples:
        raise DataError(f"{path}: no labelled rows")
    return examples


def read_all(paths: Iterable[Path]) -> list[Example]:
    """Read several files, reporting the problems of all of them at once."""
    examples: list[Example] = []
    errors: list[str] = []
    for path in paths:
        try:
            examples += read_labelled(path)
        except DataError as exc:
            errors.append(str(exc))
    if errors:
        raise DataError("\n".join(errors))
    return examples
