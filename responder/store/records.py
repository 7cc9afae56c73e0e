"""What the store keeps about a mention: states, events, and its flat Redis hash."""

from __future__ import annotations

import base64
import functools
import json
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from connectors.model import Author, Mention
from responder.clock import from_epoch
from responder.drafts.priority import priority, score_at
from responder.drafts.suggest import Suggestion
from sentiment import Label


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


# States in which agents may act on a mention (claim, approve, dismiss).
OPEN_STATES = (State.QUEUED, State.FAILED)


class EventType(StrEnum):
    """The append-only log of what happened to a mention."""

    INGESTED = "ingested"
    SCORED = "scored"
    QUEUED = "queued"
    JOINED = "joined"
    WARNED = "warned"
    BREACHED = "breached"
    CLAIMED = "claimed"
    CORRECTED = "corrected"  # an agent corrected the sentiment label
    INTENT_CORRECTED = "intent_corrected"  # an agent corrected the intent
    APPROVED = "approved"
    SENDING = "sending"
    SENT = "sent"
    SEND_RETRY = "send_retry"  # a transient failure; tried again later
    SEND_FAILED = "send_failed"
    MANUAL = "manual"
    MARKED_SENT = "marked_sent"  # a person posted it by hand and said so
    DISMISSED = "dismissed"


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
    """Flatten a scored mention into the hash stored in Redis."""
    author = mention.author
    sentiment = suggestion.sentiment
    return {
        "id": mid,
        "platform": mention.platform,
        "account": mention.account,
        "platform_id": mention.platform_id,
        "kind": mention.kind,
        "thread_id": mention.thread_id or "",
        "parent_id": mention.parent_id or "",
        "author_id": author.id,
        "author_name": author.name,
        "author_followers": str(author.followers),
        "author_verified": "1" if author.verified else "0",
        "text": mention.text,
        "url": mention.url or "",
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
        "sentiment_cues": json.dumps(list(sentiment.cues), ensure_ascii=False),
        "conversation": conversation,
        **({"reply_until": _epoch(mention.reply_until)} if mention.reply_until else {}),
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
    if known.secondary:
        fields["intents"] = _json(list(known.secondary))
    if words := known.words_for(known.intent):
        fields["intent_words"] = _json(list(words))
    if known.crisis.flag:
        fields["crisis"] = _json({"words": known.crisis.words, "kinds": known.crisis.kinds})
    if known.urgent:
        fields["urgent"] = "1"
    if known.spam:
        fields["spam"] = "1"
    if suggestion.drafts:
        fields["drafts"] = _json([[d.text, d.template] for d in suggestion.drafts])
    return fields


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


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
        ),
        text=fields["text"],
        created_at=from_epoch(float(fields["created_at"])),
        url=fields.get("url") or None,
        reply_until=from_epoch(float(until)) if until else None,
        raw=raw_payload(fields),
    )


# Every hash field to_api reads, and nothing else: views fetch these with HMGET, so the
# raw payload and pipeline bookkeeping never cross the wire. Keep it in step with to_api.
API_FIELDS = (
    "id",
    "state",
    "platform",
    "account",
    "platform_id",
    "kind",
    "thread_id",
    "author_id",
    "author_name",
    "author_followers",
    "author_verified",
    "text",
    "url",
    "created_at",
    "ingested_at",
    "lag_s",
    "at_risk",
    "sentiment_score",
    "sentiment_label",
    "sentiment_cues",
    "sentiment_corrected",
    "intent",
    "intent_corrected",
    "intents",
    "crisis",
    "urgent",
    "spam",
    "priority",
    "deadline",
    "warned_at",
    "breached_at",
    "followups",
    "head",
    "claimed_by",
    "claim_until",
    "closed_at",
    "closed_by",
    "reply_text",
    "dismiss_reason",
    "reply_until",
    "sent_at",
    "reply_id",
    "send_error",
    "send_url",
    "send_attempts",
)


def to_api(fields: dict[str, str], now: datetime) -> dict[str, Any]:
    """Turn a stored hash (at least its API_FIELDS) into the JSON the API returns.

    Every agent's queue read shows the same head of the queue again, so the part that
    does not change with `now` is built once per distinct hash content (a cache keyed by
    the fields themselves: a changed hash is a new key) and only the clock's part is
    added here. The nested values are shared between answers: serialise them, never
    change them in place."""
    fixed = _fixed(tuple(fields.items()))
    out = dict(fixed)
    deadline = float(fields["deadline"])
    part = fixed["priority"]
    if part is not None:
        out["priority"] = {**part, "score": score_at(part["base"], deadline, now)}
    out["seconds_left"] = round(deadline - now.timestamp(), 1)
    out["window_closed"] = _closed(fields.get("reply_until"), now)
    return out


@functools.lru_cache(maxsize=2048)
def _fixed(items: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """What to_api shows of a hash that does not depend on the time (placeholders for
    what does, so the keys keep their order)."""
    fields = dict(items)
    return {
        "id": fields["id"],
        "state": fields.get("state", ""),
        "platform": fields["platform"],
        "account": fields["account"],
        "platform_id": fields["platform_id"],
        "kind": fields["kind"],
        "thread_id": fields["thread_id"] or None,
        "author": {
            "id": fields["author_id"],
            "name": fields["author_name"],
            "followers": int(fields["author_followers"]),
            "verified": fields["author_verified"] == "1",
        },
        "text": fields["text"],
        "url": fields["url"] or None,
        "created_at": _iso(fields["created_at"]),
        "ingested_at": _iso(fields["ingested_at"]),
        "ingest_lag_s": float(fields["lag_s"]),
        "at_risk": fields["at_risk"] == "1",
        "sentiment": {
            "score": float(fields["sentiment_score"]),
            "label": fields["sentiment_label"],
            "cues": json.loads(fields["sentiment_cues"]),
            "corrected": fields.get("sentiment_corrected") or None,
        },
        # What the team sees: an agent's correction wins over the model's guess.
        "intent": fields.get("intent_corrected") or fields.get("intent") or None,
        "intent_corrected": fields.get("intent_corrected") or None,
        "intents": _loads(fields.get("intents"), []),
        "crisis": _crisis(fields.get("crisis")),
        "urgent": fields.get("urgent") == "1",
        "spam": fields.get("spam") == "1",
        "priority": _priority(fields),
        "deadline": _iso(fields["deadline"]),
        "seconds_left": 0.0,
        "warned_at": _iso(fields.get("warned_at")),
        "breached_at": _iso(fields.get("breached_at")),
        "followups": int(fields.get("followups", "0") or 0),
        "head": fields.get("head") or None,
        "claimed_by": fields.get("claimed_by") or None,
        "claim_until": _iso(fields.get("claim_until")),
        "closed_at": _iso(fields.get("closed_at")),
        "closed_by": fields.get("closed_by") or None,
        "reply_text": fields.get("reply_text") or None,
        "dismiss_reason": fields.get("dismiss_reason") or None,
        "reply_until": _iso(fields.get("reply_until")),
        "window_closed": False,
        "sent_at": _iso(fields.get("sent_at")),
        "reply_id": fields.get("reply_id") or None,
        "send_error": fields.get("send_error") or None,
        "send_url": fields.get("send_url") or None,
        "send_attempts": int(fields.get("send_attempts") or 0),
    }


def _closed(until: str | None, now: datetime) -> bool:
    """Whether the platform no longer takes a reply to this mention."""
    return bool(until) and float(until or 0) <= now.timestamp()


# What the detail view adds to API_FIELDS.
DETAIL_FIELDS = (*API_FIELDS, "tone", "intent_words", "drafts")


def to_detail(fields: dict[str, str], now: datetime) -> dict[str, Any]:
    """Turn a stored hash (at least its DETAIL_FIELDS) into one mention's full JSON."""
    out = to_api(fields, now)
    out["tone"] = fields.get("tone") or None
    out["intent_words"] = _loads(fields.get("intent_words"), [])
    out["drafts"] = [
        {"index": i, "text": text, "template": template}
        for i, (text, template) in enumerate(_loads(fields.get("drafts"), []))
    ]
    return out


def _loads(value: str | None, empty: Any) -> Any:
    return json.loads(value) if value else empty


def _crisis(value: str | None) -> dict[str, Any]:
    found = _loads(value, {})
    return {"flag": bool(found), "words": found.get("words", []), "kinds": found.get("kinds", [])}


def _priority(fields: dict[str, str]) -> dict[str, Any] | None:
    """The fixed part of the priority and its reasons (None for a mention from before
    priorities were kept); to_api adds the score at the time asked."""
    if not fields.get("priority"):
        return None
    base = float(fields["priority"])
    # The reasons follow from fields the mention keeps; storing them cost ~80 B a mention.
    parts = priority(
        crisis=bool(fields.get("crisis")),
        sentiment=Label(fields["sentiment_label"]),
        intent=fields.get("intent", ""),
        followers=int(fields["author_followers"]),
        verified=fields["author_verified"] == "1",
    )
    return {"score": base, "base": base, "reasons": list(parts.reasons)}


def _epoch(moment: datetime) -> str:
    return f"{moment.timestamp():.3f}"


def _iso(value: str | None) -> str | None:
    return _iso_of(value) if value else None


@functools.lru_cache(maxsize=8192)
def _iso_of(epoch: str) -> str:
    # Every agent polls the same head of the queue: its timestamps repeat, request after
    # request, and turning one into ISO text costs more than a cache look-up.
    return from_epoch(float(epoch)).isoformat()
