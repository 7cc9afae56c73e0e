"""From queued mentions to incidents: which ones join, and with what facts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from responder.incidents.match import Facts
from responder.incidents.store import IncidentStore, Joining
from responder.store.enqueue import Ready


def joining(item: Ready) -> Joining | None:
    """What an incident keeps of a queued mention; None unless it is a crisis."""
    known = item.suggestion.understanding
    if not known.crisis.flag:
        return None
    m = item.mention
    return Joining(
        facts=Facts(
            id=item.id,
            platform=m.platform,
            account=m.account,
            thread_id=m.thread_id or "",
            parent_id=m.parent_id or "",
            author_id=m.author.id,
            author_name=m.author.name,
            text=m.text,
            product=known.product,
            kinds=known.crisis.kinds,
        ),
        role=known.role,
        followers=m.author.followers,
        created=m.created_at,
        deadline=item.timing.deadline.timestamp(),
        base=item.suggestion.priority.base,
    )


async def join_incidents(store: IncidentStore, ready: Sequence[Ready], now: datetime) -> None:
    """Join each queued crisis mention of a batch to its incident, in the batch's order."""
    for item in ready:
        found = joining(item)
        if found is not None:
            await store.attach(found, now)
