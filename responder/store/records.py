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

from connectors.model import Mention
from responder.clock import from_epoch
from sentiment.base import Sentiment


class State(StrEnum):
    """Where a mention is in its life."""

    QUEUED = "queued"  # waiting for an answer (the head of a conversation)
    JOINED = "joined"  # a follow-up folded into an open conversation
    REPLIED = "replied"
    DISMISSED = "dismissed"


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
    REPLIED = "replied"
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
    sentiment: Sentiment,
    timing: Timing,
    *,
    source: str,
    ingested_at: datetime,
    queued_at: datetime,
    conversation: str,
) -> dict[str, str]:
    """Flatten a scored mention into the hash stored in Redis."""
    author = mention.author
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
        **_raw(mention),
    }


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
)


def to_api(fields: dict[str, str], now: datetime) -> dict[str, Any]:
    """Turn a stored hash (at least its API_FIELDS) into the JSON the API returns."""
    deadline = float(fields["deadline"])
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
        "deadline": _iso(fields["deadline"]),
        "seconds_left": round(deadline - now.timestamp(), 1),
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
    }


def _epoch(moment: datetime) -> str:
    return f"{moment.timestamp():.3f}"


def _iso(value: str | None) -> str | None:
    return _iso_of(value) if value else None


@functools.lru_cache(maxsize=8192)
def _iso_of(epoch: str) -> str:
    # Every agent polls the same head of the queue: its timestamps repeat, request after
    # request, and turning one into ISO text costs more than a cache look-up.
    return from_epoch(float(epoch)).isoformat()
