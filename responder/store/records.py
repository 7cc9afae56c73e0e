"""What the store keeps about a mention: states, events, and its flat Redis hash."""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

import orjson

from connectors.model import Author, Mention
from responder.clock import from_epoch
from responder.drafts.suggest import Suggestion
from responder.store.packing import PACKER
from responder.store.stages import Stage


class State(StrEnum):
    """Where a mention is in its life."""

    QUEUED = "queued"  # waiting for an answer (the head of a conversation)
    JOINED = "joined"  # a follow-up folded into an open conversation
    APPROVED = "approved"  # a person approved a reply: the SLA stops; the outbox sends it
    SENDING = "sending"  # the platform call is in flight
    SENT = "sent"  # the platform confirmed it (reply_id)
    FAILED = "failed"  # the platform refused it, or it kept failing: back in the queue
    MANUAL = "manual"  # a person must post it (Tieba) and mark it sent
    DISMISSED = "dismissed"
    # Needs no answer (无需回复): no timer, not in the queue, in its own view; an agent
    # can move it to the queue (needs_reply), and a follow-up that needs one does too.
    NO_REPLY = "no_reply"


PIPELINE = "pipeline"  # the actor of the pipeline's steps after taking in
# States in which agents may act on a mention (claim, approve, dismiss).
OPEN_STATES = (State.QUEUED, State.FAILED)


class EventType(StrEnum):
    """The append-only log of what happened to a mention."""

    INGESTED = "ingested"
    SCORED = "scored"
    QUEUED = "queued"
    JOINED = "joined"
    WARNED = Stage.WARNED.value  # an alert stage fired (its name comes from stages.py)
    BREACHED = Stage.BREACHED.value
    ESCALATED = Stage.ESCALATED.value
    PAGED = "paged"  # an alert about it reached a channel (stage, channel, group)
    PAGE_FAILED = "page_failed"  # no channel took the page
    PAGE_HELD = "page_held"  # quiet hours: recorded, not paged
    ACKED = "acked"  # someone acknowledged its page: it stops escalating
    CLAIMED = "claimed"
    RELEASED = "released"  # the holder let go of a claim (left the mention untouched)
    # In the global stream only (not the mention's log): the holder renewed an unexpired
    # claim, and an incident moved a row in the queue (its place or in and out of it).
    CLAIM_RENEWED = "claim_renewed"
    MOVED = "moved"
    CORRECTED = "corrected"  # an agent corrected the sentiment label
    INTENT_CORRECTED = "intent_corrected"  # an agent corrected the intent
    NOTED = "noted"  # an internal note for colleagues (never sent)
    HANDED_OFF = "handed_off"  # given to a named colleague (`to`), who now holds its claim
    HELD = "held"  # approved with a send delay: it goes out when the delay ends, unless undone
    UNDONE = "undone"  # the approver took a held reply back before it went out
    APPROVED = "approved"
    SENDING = "sending"
    SENT = "sent"
    SEND_RETRY = "send_retry"  # a transient failure; tried again later
    SEND_FAILED = "send_failed"
    MANUAL = "manual"
    MARKED_SENT = "marked_sent"  # a person posted it by hand and said so
    DISMISSED = "dismissed"
    NO_REPLY = "no_reply"  # set aside as needing no answer (by the pipeline or an agent)
    NEEDS_REPLY = "needs_reply"  # moved from 无需回复 to the queue, with a fresh timer
    MARKED_NO_REPLY = "marked_no_reply"  # an agent set an open mention aside as 无需回复
    DRAFTED = "drafted"  # generated drafts ([drafts.llm]) arrived after the template ones
    # A lead pinned or retired an entry of the team's best replies (responder/library/);
    # `mention` in the global stream is the entry's id (the mention its reply answered).
    LIBRARY_PINNED = "library_pinned"
    LIBRARY_RETIRED = "library_retired"
    # An agent linked two accounts as one person (the customer's history shows both), or
    # unlinked one; `mention` in the global stream is the mention it was done from.
    LINKED = "linked"
    UNLINKED = "unlinked"
    # An admin's reload applied a new config.toml on every process (responder/reload);
    # `mention` in the global stream is empty, `diff` lists what changed, secrets masked.
    CONFIG_RELOADED = "config_reloaded"


@dataclass(frozen=True, slots=True, kw_only=True)
class Timing:
    """The response timer of one mention (see responder.sla.timing)."""

    start: datetime
    deadline: datetime
    warn_at: datetime
    lag: timedelta
    at_risk: bool


def event(kind: EventType, at: datetime, actor: str, **data: Any) -> dict[str, Any]:
    """Return one event record; `at` is stored as POSIX seconds."""
    return {"type": str(kind), "at": round(at.timestamp(), 3), "actor": actor, **data}


def to_fields(
    mid: str,
    mention: Mention,
    suggestion: Suggestion,
    timing: Timing,
    *,
    source: str,
    ingested_at: datetime,
    queued_at: datetime,
    conversation: str,
) -> dict[str, str]:
    """Flatten a scored mention into the hash stored in Redis. What it lacks (a thread, a
    parent, a link, a conversation) takes no field at all: readers take a missing field
    as empty, as hashes written before held them."""
    author = mention.author
    sentiment = suggestion.sentiment
    optional = {
        "thread_id": mention.thread_id or "",
        "parent_id": mention.parent_id or "",
        "url": mention.url or "",
        "conversation": conversation,
    }
    return {
        "id": mid,
        "platform": mention.platform,
        "account": mention.account,
        "platform_id": mention.platform_id,
        "kind": mention.kind,
        **{name: value for name, value in optional.items() if value},
        "author_id": author.id,
        "author_name": author.name,
        "author_followers": str(author.followers),
        "author_verified": "1" if author.verified else "0",
        **({"author_verified_type": author.verified_type} if author.verified_type else {}),
        "text": mention.text,
        "source": source,
        "created_at": _epoch(mention.created_at),
        "ingested_at": _epoch(ingested_at),
        "queued_at": _epoch(queued_at),
        "clock_start": _epoch(timing.start),
        "deadline": _epoch(timing.deadline),
        "warn_at": _epoch(timing.warn_at),
        "lag_s": f"{timing.lag.total_seconds():.3f}",
        "at_risk": "1" if timing.at_risk else "0",
        "sentiment_score": f"{sentiment.score:.4f}",
        "sentiment_label": str(sentiment.label),
        "sentiment_cues": dumps(list(sentiment.cues)),
        **({"reply_until": _epoch(mention.reply_until)} if mention.reply_until else {}),
        **({} if mention.reply_to == "brand" else {"reply_to": mention.reply_to or "-"}),
        **understood(suggestion),
        **_raw(mention),
    }


def understood(suggestion: Suggestion) -> dict[str, str]:
    """Flatten intent, crisis, priority and drafts; empty parts take no field at all (a
    pending mention's memory is counted in bytes)."""
    known = suggestion.understanding
    fields = {
        "intent": known.intent,
        "tone": suggestion.tone,
        "priority": f"{suggestion.priority.base:g}",  # its reasons are worked out on read
    }
    if known.crisis.flag:  # who is speaking decides who may approve (web/replies.py)
        fields["role"] = known.role
    if known.secondary:
        fields["intents"] = dumps(list(known.secondary))
    if words := known.words_for(known.intent):
        fields["intent_words"] = dumps(list(words))
    if known.crisis.flag:
        fields["crisis"] = dumps({"words": known.crisis.words, "kinds": known.crisis.kinds})
    if known.urgent:
        fields["urgent"] = "1"
    if known.spam:
        fields["spam"] = "1"
    if suggestion.drafts:
        fields["drafts"] = PACKER.pack([(d.text, d.template) for d in suggestion.drafts])
    fields["role"] = known.role
    fields["reply_needed"] = "1" if known.reply_needed else "0"
    if known.reply_reason:
        fields["reply_reason"] = known.reply_reason
    fields["intent_confidence"] = f"{known.intent_confidence:.2f}"
    if known.uncertain:
        fields["uncertain"] = "1"
    if known.aspects:
        fields["aspects"] = dumps([list(pair) for pair in known.aspects])
    if known.product:
        fields["product"] = known.product
    return fields


def dumps(value: Any) -> str:
    """Encode our own values (str keys, no huge ints) as compact JSON, Chinese unescaped."""
    return orjson.dumps(value).decode()


def _raw(mention: Mention) -> dict[str, str]:
    """Keep the platform payload compressed (it is rarely read), and only if there is one."""
    if not mention.raw:
        return {}
    data = json.dumps(dict(mention.raw), ensure_ascii=False, default=str).encode()
    return {"raw_z": base64.b64encode(zlib.compress(data, 6)).decode()}


def raw_payload(fields: dict[str, str]) -> dict[str, Any]:
    """Return the platform payload a stored mention came with ({} if none)."""
    packed = fields.get("raw_z")
    if not packed:
        return {}
    return cast(dict[str, Any], json.loads(zlib.decompress(base64.b64decode(packed))))


def to_mention(fields: dict[str, str]) -> Mention:
    """Rebuild the Mention a stored hash came from (what a connector needs to reply)."""
    until = fields.get("reply_until")
    return Mention(
        platform=fields["platform"],
        account=fields["account"],
        platform_id=fields["platform_id"],
        kind=fields["kind"],
        thread_id=fields.get("thread_id") or None,
        parent_id=fields.get("parent_id") or None,
        author=Author(
            id=fields["author_id"],
            name=fields["author_name"],
            followers=int(fields["author_followers"]),
            verified=fields["author_verified"] == "1",
            verified_type=fields.get("author_verified_type", ""),
        ),
        text=fields["text"],
        created_at=from_epoch(float(fields["created_at"])),
        url=fields.get("url") or None,
        reply_until=from_epoch(float(until)) if until else None,
        reply_to=_reply_to(fields.get("reply_to")),
        raw=raw_payload(fields),
    )


def _reply_to(stored: str | None) -> str | None:
    """Read back whom a mention spoke to ("-": nobody in particular; none kept: the brand)."""
    return None if stored == "-" else stored or "brand"


def _epoch(moment: datetime) -> str:
    return f"{moment.timestamp():.3f}"


def stream_event(fields: Mapping[str, str]) -> dict[str, Any]:
    """The event a global stream entry holds: its JSON, or for the pipeline's own steps
    (ingested, scored, queued: kept there as type, time and actor, no actor for the
    pipeline) those three. An entry of the pipeline's steps of one mention is that of the
    last (see stream_events)."""
    if "event" in fields:
        return cast(dict[str, Any], json.loads(fields["event"]))
    actor = fields.get("actor", PIPELINE)
    found: dict[str, Any] = {"type": fields.get("type", ""), "actor": actor}
    if fields.get("at"):
        found["at"] = float(fields["at"])
    return found


def stream_events(fields: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every event a global stream entry stands for, oldest first: the pipeline's steps of
    one mention share one entry, the last step's, whose `before` lists the steps before it
    as [type, at, actor], or [type] when they share its at and actor (store/lua.py LOG)."""
    last = stream_event(fields)
    steps: list[dict[str, Any]] = []
    for step in json.loads(fields.get("before") or "[]"):
        kind, at, actor = (*step, last.get("at"), last.get("actor"))[:3]
        steps.append({"type": kind, "at": float(at), "actor": actor})
    return [*steps, last]
