"""Approving a reply, at once or after the send delay: what an approval carries, closing
the mention with it (the outbox then sends it), and the task that commits held approvals
whose delay has ended. Holding and undoing are in responder/outbox/holds.py."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from aiohttp import web

from responder.clock import from_epoch
from responder.outbox.holds import Holds
from responder.services import CLOCK, METRICS, STORE
from responder.store.people import mark_of
from responder.store.records import State
from responder.store.store import Bookkeeping, Outcome, Result
from responder.web import incidents, library

log = logging.getLogger(__name__)

# What approving reads of a mention: where it is, its tone, its drafts, whose thread it is.
FIELDS = (
    *("state", "platform", "account", "kind", "tone", "drafts", "thread_id", "author_id"),
    *("reply_until", "send_unknown", "drafts_llm", "created_at", "clock_start"),
    *incidents.FIELDS,  # who may approve; the incident's next row
    *library.FIELDS,  # what the team's best replies keep of it
)
CLAIM_AFTER = timedelta(minutes=5)  # the approver's claim outlasts the delay by this
SYSTEM = "outbox"  # the actor of an approval taken back because it could not be committed
MAX_WAIT = 1.0  # seconds the committer sleeps at most (a hold made elsewhere is seen then)


def book_of(approval: Mapping[str, Any]) -> Bookkeeping:
    book = approval["book"]
    return Bookkeeping(
        counts=dict(book["counts"]),
        said_key=book["said_key"],
        sentences=tuple(book["sentences"]),
        context_key=book["context_key"],
        reply=book["reply"],
    )


def book_json(book: Bookkeeping) -> dict[str, Any]:
    return {
        "counts": book.counts,
        "said_key": book.said_key,
        "sentences": list(book.sentences),
        "context_key": book.context_key,
        "reply": book.reply,
    }


async def commit(
    app: web.Application,
    mid: str,
    approval: Mapping[str, Any],
    row: Mapping[str, str],
    expect: tuple[str, list[str]],
    *,
    held: str = "",
) -> Outcome:
    """Close the mention with the approval (the outbox sends it), then tell the incident
    and the team's library. `held`: the `held_until` of the approval being committed."""
    details = dict(approval["details"])
    if held:
        details["held"] = held
    agent, at = approval["agent"], from_epoch(approval["at"])
    resend = {"resend_by": agent} if approval.get("resend") else {}
    outcome = await app[STORE].close(
        mid,
        State.APPROVED,
        agent,
        at,
        details=details,
        book=book_of(approval),
        expect=expect,
        mark=mark_of(app[STORE].keys, row),  # the customer's history
        reply_text=approval["text"],
        draft_template=approval["template"],
        **resend,
    )
    if outcome.result is Result.OK:
        app[METRICS].first_response(waited(row, approval["at"]))
        await incidents.answered(app, mid, row.get("incident_id", ""))
        await library.approved(
            app,
            mid,
            row,
            text=approval["text"],
            how=approval["how"],
            agent=agent,
            overridden=approval["overridden"],
        )
    return outcome


# Where an approval has gone once it counted: a retry finding it there repeats nothing.
AHEAD = frozenset({State.APPROVED, State.SENDING, State.SENT, State.MANUAL})


async def repeated(
    app: web.Application, mid: str, agent: str, text: str, outcome: Outcome
) -> dict[str, Any] | None:
    """An approval sent again after its answer did not arrive (a 503 while Redis's replicas
    did not confirm it, a dropped connection): when `outcome`, the refusal of the retry,
    is the mention holding or having gone ahead with this agent's same reply, what the
    first would have answered (`again`: true); else None. Nothing is approved twice."""
    if outcome.result is Result.HELD and outcome.detail == agent:
        held = await Holds(app[STORE]).held(mid)
        if held is not None and held.approval.get("text") == text:
            until = from_epoch(float(held.until)).isoformat()
            return {"state": "held", "held_until": until, "again": True}
    if outcome.result is Result.NOT_OPEN and outcome.detail in AHEAD:
        row = await app[STORE].mention(mid, ["closed_by", "reply_text"])
        if row is not None and row.get("closed_by") == agent and row.get("reply_text") == text:
            return {"state": str(State.APPROVED), "again": True}
    return None


def waited(row: Mapping[str, str], at: float) -> float | None:
    """Seconds from the timer's start to an approval at `at`, if it is the mention's first
    response (approving a reply whose send failed is not)."""
    if row.get("state") == str(State.FAILED) or not row.get("clock_start"):
        return None
    return at - float(row["clock_start"])


class Committer:
    """Commits the held approvals whose delay has ended, in any process; each once, as
    closing checks the mention still holds that very approval."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.holds = Holds(app[STORE])

    async def step(self) -> float:
        """Commit what is due; return how long to wait for the next."""
        now = self.app[CLOCK].now()
        for mid in await self.holds.due(now):
            await self.commit_one(mid)
        after = await self.holds.next_due()
        if after is None:
            return MAX_WAIT
        return min(MAX_WAIT, max(0.01, after - self.app[CLOCK].now().timestamp()))

    async def commit_one(self, mid: str) -> None:
        held = await self.holds.held(mid)
        if held is None:  # undone, or committed by another process meanwhile
            await self.holds.forget(mid)
            return
        row, expect = await self.app[STORE].for_closing(mid, FIELDS)
        if row is None:
            await self.holds.forget(mid)
            return
        outcome = await commit(self.app, mid, held.approval, row, expect, held=held.until)
        if outcome.result is Result.HELD:  # a newer approval holds it now: its turn comes
            return
        if outcome.result is not Result.OK:  # nothing sent: the mention is open again
            log.warning(
                "held approval of %s by %s not committed (%s %s): taken back",
                mid,
                held.by,
                outcome.result,
                outcome.detail,
            )
            await self.holds.undo(mid, SYSTEM, self.app[CLOCK].now(), anyone=True)
        await self.holds.forget(mid)
