"""Knowledge probe files (tests/data/kb_probe_*.jsonl): mentions written apart from an
entry's phrasings, each with the entry that answers it ("" for none). A probe counts as
found when the search's first hit is its entry and would answer: above the floor and on
words that say what is asked (not only `[search] weak` ones)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from responder.drafts.knowledge import MIN_SCORE, Knowledge

DATA = Path(__file__).resolve().parent / "data"


def probes(name: str) -> list[dict[str, Any]]:
    """The rows of tests/data/kb_probe_<name>.jsonl."""
    path = DATA / f"kb_probe_{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def found_first(kb: Knowledge, rows: list[dict[str, Any]]) -> int:
    """How many probes find their entry first ("" rows: find nothing that answers)."""
    found = 0
    for row in rows:
        hits = kb.search(row["text"], limit=1)
        telling = hits and any(t not in kb.weak for t in hits[0].matched)
        top = hits[0].entry.id if telling and hits[0].score >= MIN_SCORE else ""
        found += top == row["expect"]
    return found
