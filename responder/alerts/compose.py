"""Turn alert stream entries and stored mentions into pages (the wording is in text.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from responder.alerts.channels.page import Page
from responder.alerts.channels.text import Oldest, group_page, mention_page, resolved_page
from responder.alerts.people import Person
from responder.alerts.store import group_key
from responder.clock import from_epoch
from responder.store.records import OPEN_STATES
from responder.store.stages import Stage
from responder.web.labels import KINDS, PLATFORMS


class Links(Protocol):
    """Where pages point: a mention, the queue filtered, and a signed ack link."""

    def mention(self, mid: str) -> str: ...

    def queue(self, **filters: str) -> str: ...

    def ack(self, target: str, person: str) -> str: ...


def source(row: dict[str, str]) -> str:
    """微博评论, 贴吧回复 ...: the platform and kind as the team says them."""
    platform = PLATFORMS.get(row.get("platform", ""), row.get("platform", ""))
    return platform + KINDS.get(row.get("kind", ""), "")


def followers(row: dict[str, str]) -> int | None:
    value = row.get("author_followers", "")
    return int(value) if value.isdigit() else None


def left(row: dict[str, str], now: datetime) -> timedelta:
    return from_epoch(float(row.get("deadline") or now.timestamp())) - now


def for_mention(
    stage: Stage,
    mid: str,
    row: dict[str, str],
    now: datetime,
    links: Links,
    *,
    key: str,
    to: tuple[Person, ...],
    incident: tuple[int, int] | None = None,
) -> Page:
    """A page about one mention, or about its incident (`incident`: size and reach)."""
    return mention_page(
        key=key,
        stage=stage,
        source=source(row),
        platform=row.get("platform", ""),
        followers=incident[1] if incident else followers(row),
        size=incident[0] if incident else 0,
        left=left(row, now),
        text=row.get("text", ""),
        link=links.mention(mid),
        ack_link=links.ack(f"m:{mid}", _who(to)),
        crisis=bool(row.get("crisis")),
        to=to,
    )


def for_group(
    stage: Stage,
    gid: str,
    rows: Sequence[dict[str, str]],
    count: int,
    now: datetime,
    links: Links,
    *,
    to: tuple[Person, ...],
) -> Page:
    """One page for a group: how many, how soon the last of them breaches, the most
    urgent named, crises counted. `rows` are the members known now, soonest first."""
    first = rows[0]
    last = max(rows, key=lambda r: float(r.get("deadline") or 0))
    return group_page(
        key=group_key(gid),
        count=count,
        within=max(left(last, now), timedelta(minutes=1)),
        earliest=Oldest(source=source(first), text=first.get("text", ""), left=left(first, now)),
        crises=sum(1 for r in rows if r.get("crisis")),
        queue_link=links.queue(sort="deadline"),
        ack_link=links.ack(f"g:{gid}", _who(to)),
        to=to,
        stage=stage,
    )


def for_summary(gid: str, rows: Sequence[dict[str, str] | None], links: Links) -> tuple[Page, bool]:
    """The group's closing summary, and whether every member has been answered."""
    answered = [r for r in rows if r is None or r.get("state") not in OPEN_STATES]
    slowest = timedelta(0)
    for row in answered:
        if row and row.get("closed_at") and row.get("clock_start"):
            took = float(row["closed_at"]) - float(row["clock_start"])
            slowest = max(slowest, timedelta(seconds=took))
    page = resolved_page(
        key=f"{group_key(gid)}:resolved",
        count=len(rows),
        answered=len(answered),
        slowest=slowest,
        queue_link=links.queue(sort="deadline"),
    )
    return page, len(answered) == len(rows)


def _who(to: tuple[Person, ...]) -> str:
    """The person an ack link names (who was paged first), "" if nobody is on call."""
    return to[0].name if to else ""
