"""The golden review set: 60 varied mentions and what Tiexin makes of them.

`expected.jsonl` is committed, so every change in understanding or drafting shows in
review as a diff. After a deliberate change, write it anew and read the diff:

    .venv/bin/python -m tests.golden.update
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from connectors.model import Author
from responder.cli.drafts import described
from responder.drafts.drafter import Drafter
from responder.drafts.suggest import Job, suggest
from sentiment import score_texts

HERE = Path(__file__).parent
MENTIONS = HERE / "mentions.jsonl"
EXPECTED = HERE / "expected.jsonl"


def mentions() -> list[dict[str, Any]]:
    """Return the golden mentions as written in mentions.jsonl."""
    return [json.loads(line) for line in MENTIONS.read_text(encoding="utf-8").splitlines()]


def outcome(row: dict[str, Any], drafter: Drafter) -> dict[str, Any]:
    """Return what Tiexin makes of one golden mention (no learned ranking: the defaults)."""
    job = Job(
        id=row["id"],
        text=row["text"],
        platform=row["platform"],
        kind=row["kind"],
        author=Author(
            id="a", name=row["author"], followers=row["followers"], verified=row["verified"]
        ),
        at=datetime.fromisoformat(row["at"]),
    )
    result = described(suggest(job, score_texts([row["text"]])[0], drafter))
    return {"id": row["id"], "text": row["text"], **result}


def outcomes(drafter: Drafter | None = None) -> list[dict[str, Any]]:
    """Return the outcome of every golden mention, in file order."""
    drafter = drafter or Drafter()
    return [outcome(row, drafter) for row in mentions()]


def dumps(rows: list[dict[str, Any]]) -> str:
    """One JSON object per line, readable Chinese, so a diff shows one mention per line."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
