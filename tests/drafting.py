"""Drafting real mentions through the pipeline's own entry point, for the drafts tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from connectors.model import Author
from responder.drafts.suggest import Job, Suggestion, suggest_all
from responder.drafts.understand import Said

AT = datetime(2026, 5, 12, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # an ordinary Tuesday
SOMEONE = Author(id="1", name="Sam")


def suggestions(
    text: str,
    *,
    platform: str = "weibo",
    kind: str = "mention",
    author: Author = SOMEONE,
    times: int = 3,
    context: tuple[Said, ...] = (),
) -> list[Suggestion]:
    """The same mention drafted `times` times with different ids (so other picks);
    `context`: the thread before it."""
    jobs = [
        Job(
            id=f"t{i}",
            text=text,
            platform=platform,
            kind=kind,
            author=author,
            at=AT,
            context=context,
        )
        for i in range(times)
    ]
    return suggest_all(jobs)


def drafts(text: str, **how: object) -> list[list[str]]:
    """Each drafting's texts (see suggestions)."""
    return [[d.text for d in s.drafts] for s in suggestions(text, **how)]  # type: ignore[arg-type]
