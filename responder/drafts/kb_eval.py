"""How well the knowledge base answers: on mentions labelled with the entry that answers
each (or none), the share of answers given that are right (precision) and of answerable
mentions answered right (recall). `tiexin drafts kb eval --data FILE`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from responder.drafts.data import json_lines
from responder.drafts.knowledge import Knowledge

BATCH = 50


@dataclass(frozen=True, slots=True)
class Judged:
    text: str
    found: str  # the entry id answering, "" for none
    right: frozenset[str]  # the ids that answer it (empty: none should)
    question: bool  # the mention asks something


def read_labels(path: Path) -> list[dict[str, Any]]:
    """Rows {"text", "expect", "also"?}; ValueError naming the line of a bad one."""
    rows = []
    for number, row in json_lines(path):
        if not isinstance(row.get("text"), str):
            raise ValueError(f"{path}:{number}: needs a 'text' string")
        if not isinstance(row.get("expect", ""), str) or not isinstance(row.get("also", ""), str):
            raise ValueError(f"{path}:{number}: 'expect' and 'also' must be strings (ids or \"\")")
        rows.append(row)
    return rows


def judge(knowledge: Knowledge, rows: Sequence[dict[str, Any]]) -> list[Judged]:
    """Look each labelled mention up as drafting does: with the intents understanding reads."""
    from responder.drafts.relevance import job_of
    from responder.drafts.suggest import asked
    from responder.drafts.understand import understand_all
    from sentiment.default import score_texts

    out = []
    for start in range(0, len(rows), BATCH):
        part = rows[start : start + BATCH]
        jobs = [job_of({"id": str(start + i), "text": r["text"]}) for i, r in enumerate(part)]
        moods = score_texts([job.text for job in jobs])
        knowns = understand_all([asked(j, m) for j, m in zip(jobs, moods, strict=True)])
        for row, known in zip(part, knowns, strict=True):
            entry = knowledge.answer(row["text"], (known.intent, *known.secondary))
            right = frozenset(i for i in (row.get("expect", ""), row.get("also", "")) if i)
            found = entry.id if entry else ""
            out.append(Judged(row["text"], found, right, known.question))
    return out


def lines(judged: Sequence[Judged], *, errors: bool = False) -> list[str]:
    """Wrong answers and misses (with `errors`), then the figures; the last line is
    `kb precision=<p> recall=<r> answered=<n> n=<n>`."""
    out = []
    if errors:
        for j in judged:
            want = "/".join(sorted(j.right))
            if j.found and j.found not in j.right:
                out.append(f"wrong  {j.found} (want {want or 'none'}): {j.text}")
            elif not j.found and j.right:
                out.append(f"missed {want}: {j.text}")
    answered = [j for j in judged if j.found]
    right = sum(1 for j in answered if j.found in j.right)
    answerable = sum(1 for j in judged if j.right)
    asked = [j for j in answered if j.question]
    asked_right = sum(1 for j in asked if j.found in j.right)
    out.append(f"questions: {asked_right} of {len(asked)} answers right")
    precision = right / len(answered) if answered else 0.0
    recall = right / answerable if answerable else 0.0
    out.append(
        f"kb precision={precision:.4f} recall={recall:.4f} answered={len(answered)} n={len(judged)}"
    )
    return out
