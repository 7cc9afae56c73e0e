"""Do the drafts answer what was said? Each mention of a relevance set names what any
fitting reply must mention (groups of alternatives: one of each group) and what it must
not say; a draft fits when it does both. `tiexin drafts eval --relevance`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from connectors.model import VERIFIED_TYPES, Author
from responder.drafts.data import json_lines
from responder.drafts.render import DRAFTS
from responder.drafts.suggest import Job, suggest_all
from responder.drafts.understand import Said

# Drafts are made as of an ordinary weekday afternoon, so festival and late-night touches
# do not change from run to run.
AT = datetime.fromisoformat("2026-12-07T15:00:00+08:00")
BATCH = 50
_SPACE = re.compile(r"\s+")


def normal(text: str) -> str:
    """Lower case, no spaces: how must and must_not strings are compared."""
    return _SPACE.sub("", text).lower()


def judge(row: Mapping[str, Any], draft: str) -> str:
    """Why a draft does not fit the row ("" when it fits)."""
    said = normal(draft)
    for group in row.get("must") or []:
        if not any(normal(option) in said for option in group):
            return "没提到 " + "/".join(group)
    for word in row.get("must_not") or []:
        if normal(word) in said:
            return f"说了 {word}"
    return ""


@dataclass(frozen=True, slots=True)
class Judged:
    row: Mapping[str, Any]
    drafts: tuple[str, ...]
    why: tuple[str, ...]  # per draft, "" when it fits

    @property
    def fitting(self) -> int:
        return sum(1 for w in self.why if not w)


@dataclass(frozen=True, slots=True)
class Relevance:
    judged: tuple[Judged, ...]

    def lines(self, *, errors: bool = False) -> list[str]:
        n = len(self.judged)
        offered = DRAFTS * n
        fitting = sum(j.fitting for j in self.judged)
        two = sum(1 for j in self.judged if j.fitting >= 2)
        out = []
        if errors:
            for j in self.judged:
                if j.fitting >= 2:
                    continue
                out.append(f"{j.row.get('id')} {j.row.get('text')}")
                for text, why in zip(j.drafts, j.why, strict=True):
                    out.append(f"  {why or 'ok'}: {text}")
                out += ["  (no draft)"] * (DRAFTS - len(j.drafts))
        out.append(f"drafts {fitting} of {offered} fit; {two} of {n} mentions have 2 of 3")
        share = fitting / offered if offered else 0.0
        out.append(f"drafts relevant={share:.4f} fits_2of3={two / n if n else 0.0:.4f} n={n}")
        return out


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a relevance set; ValueError naming the line of a bad one."""
    rows = []
    for number, row in json_lines(path):
        must = row.get("must")
        if not (isinstance(must, list) and must and all(isinstance(g, list) for g in must)):
            raise ValueError(f"{path}:{number}: 'must' must be a list of lists of strings")
        if not isinstance(row.get("text"), str):
            raise ValueError(f"{path}:{number}: 'text' must be a string")
        rows.append(row)
    return rows


def job_of(row: Mapping[str, Any]) -> Job:
    """The pipeline's job for a row, as a connector would deliver it."""
    author = row.get("author") or {}
    verified = str(author.get("verified") or "none")
    return Job(
        id=str(row["id"]),
        text=str(row["text"]),
        platform=str(row.get("platform") or "weibo"),
        kind=str(row.get("kind") or "mention"),
        author=Author(
            id=f"uid-{row['id']}",
            name=str(author.get("name") or ""),
            followers=int(author.get("followers") or 0),
            verified=verified not in ("none", ""),
            verified_type=verified if verified in VERIFIED_TYPES else "",
        ),
        at=AT,
        thread=str(row["id"]),
        reply_to=row.get("reply_to", "brand"),
        context=tuple(
            Said(who=str(c.get("who", "other")), text=str(c.get("text") or ""))
            for c in row.get("context") or ()
        ),
    )


def relevance(rows: Sequence[Mapping[str, Any]]) -> Relevance:
    """Draft every row as the pipeline does (responder.drafts.suggest.start first to use
    other templates) and judge each draft."""
    judged = []
    for start in range(0, len(rows), BATCH):
        part = rows[start : start + BATCH]
        for row, made in zip(part, suggest_all([job_of(r) for r in part]), strict=True):
            drafts = tuple(d.text for d in made.drafts)
            why = tuple(judge(row, d) for d in drafts)
            judged.append(Judged(row=row, drafts=drafts, why=why))
    return Relevance(judged=tuple(judged))
