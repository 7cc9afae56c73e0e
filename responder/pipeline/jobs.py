"""What the scoring workers are told of each mention: the mention, what its thread was
already told, and its thread's last messages."""

from __future__ import annotations

from collections.abc import Sequence

from connectors.model import Mention
from responder.drafts.suggest import Job
from responder.drafts.understand import Said
from responder.store.enqueue import CONTEXT_CHARS, CONTEXT_KEPT
from responder.store.keys import mention_id
from responder.store.store import Store


def describe(
    store: Store,
    mentions: Sequence[Mention],
    told: dict[str, set[str]],
    before: dict[str, list[tuple[str, str]]],
) -> list[Job]:
    """One job per mention, with the sentences its thread was told (`told`) and the
    thread's last messages (`before`: those kept in Redis, then the batch's own earlier
    ones, which this adds to as it goes)."""
    jobs = []
    for mention in mentions:
        thread = store.said_key(mention) or ""
        ctx = store.context_key(mention)
        said = before.setdefault(ctx, []) if ctx else []
        jobs.append(
            Job(
                id=mention_id(*mention.identity),
                text=mention.text,
                platform=mention.platform,
                kind=mention.kind,
                author=mention.author,
                at=mention.created_at,
                thread=thread,
                avoid=frozenset(told.get(thread, ())) if thread else frozenset(),
                reply_to=mention.reply_to,
                context=tuple(Said(who=w, text=t) for w, t in said[-CONTEXT_KEPT:]),
            )
        )
        if ctx:
            said.append(("same", mention.text[:CONTEXT_CHARS]))
    return jobs
