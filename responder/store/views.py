"""What the API shows of a stored mention: the fields a view reads and the JSON it answers
(the time-free part built once per hash content)."""

from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import Any

from responder.clock import from_epoch
from responder.drafts.priority import priority, score_at
from sentiment import Label

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
    "escalated_at",
    "acked_by",
    "acked_at",
    "followups",
    "head",
    "claimed_by",
    "claim_until",
    "held_by",
    "held_until",
    "closed_at",
    "closed_by",
    "reply_text",
    "dismiss_reason",
    "reply_until",
    "sent_at",
    "reply_id",
    "send_error",
    "send_unknown",
    "send_url",
    "send_attempts",
    "incident",
    "author_verified_type",
    "reply_to",
    "role",
    "reply_needed",
    "reply_reason",
    "intent_confidence",
    "uncertain",
    "aspects",
    "product",
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
        "thread_id": fields.get("thread_id") or None,
        "author": {
            "id": fields["author_id"],
            "name": fields["author_name"],
            "followers": int(fields["author_followers"]),
            "verified": fields["author_verified"] == "1",
            "verified_type": fields.get("author_verified_type") or None,
        },
        "text": fields["text"],
        # Whom it speaks to: "brand", "user" (another user), None (nobody in particular).
        "reply_to": None if fields.get("reply_to") == "-" else fields.get("reply_to") or "brand",
        # Who is speaking (customer, bystander, media, fan_reply, brand, bot; None: a
        # mention from before issue 23) and whether it needs an answer, with why.
        "role": fields.get("role") or None,
        "reply_needed": fields.get("reply_needed") != "0",
        "reply_reason": fields.get("reply_reason") or None,
        "intent_confidence": _number(fields.get("intent_confidence")),
        "uncertain": fields.get("uncertain") == "1",
        "aspects": [
            {"aspect": aspect, "polarity": polarity}
            for aspect, polarity in _loads(fields.get("aspects"), [])
        ],
        "product": fields.get("product") or None,
        "url": fields.get("url") or None,
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
        "escalated_at": _iso(fields.get("escalated_at")),
        # Someone acknowledged its page: it does not escalate (responder/alerts/acking.py).
        "acked_by": fields.get("acked_by") or None,
        "acked_at": _iso(fields.get("acked_at")),
        "followups": int(fields.get("followups", "0") or 0),
        "head": fields.get("head") or None,
        "claimed_by": fields.get("claimed_by") or None,
        "claim_until": _iso(fields.get("claim_until")),
        # Approved, waiting out the send delay: goes out at held_until unless undone.
        "held_by": fields.get("held_by") or None,
        "held_until": _iso(fields.get("held_until")),
        "closed_at": _iso(fields.get("closed_at")),
        "closed_by": fields.get("closed_by") or None,
        "reply_text": fields.get("reply_text") or None,
        "dismiss_reason": fields.get("dismiss_reason") or None,
        "reply_until": _iso(fields.get("reply_until")),
        "window_closed": False,
        "sent_at": _iso(fields.get("sent_at")),
        "reply_id": fields.get("reply_id") or None,
        "send_error": fields.get("send_error") or None,
        # The last send was interrupted or unanswered: it may be on the platform (可能已发出);
        # approving again needs "resend": true.
        "send_unknown": fields.get("send_unknown") == "1",
        "send_url": fields.get("send_url") or None,
        "send_attempts": int(fields.get("send_attempts") or 0),
        # The crisis incident it belongs to: {id, size, reach, lead} (responder/incidents/).
        **({"incident": json.loads(fields["incident"])} if fields.get("incident") else {}),
    }


def _number(value: str | None) -> float | None:
    return float(value) if value else None


def _closed(until: str | None, now: datetime) -> bool:
    """Whether the platform no longer takes a reply to this mention."""
    return bool(until) and float(until or 0) <= now.timestamp()


# What the detail view adds to API_FIELDS ("drafts_llm": generated drafts, [drafts.llm]).
DETAIL_FIELDS = (*API_FIELDS, "tone", "intent_words", "drafts", "drafts_llm")


def to_detail(fields: dict[str, str], now: datetime) -> dict[str, Any]:
    """Turn a stored hash (at least its DETAIL_FIELDS) into one mention's full JSON."""
    out = to_api(fields, now)
    out["tone"] = fields.get("tone") or None
    out["intent_words"] = _loads(fields.get("intent_words"), [])
    out["drafts"] = [
        {"index": i, "text": text, "template": template}
        for i, (text, template) in enumerate(_loads(fields.get("drafts"), []))
    ]
    # Generated drafts come after the template ones, numbered on from them (approve's
    # "draft" index reads the same list: web/replies.py).
    out["drafts"] += [
        {"index": len(out["drafts"]) + i, "text": text, "template": source, "source": "llm"}
        for i, (text, source) in enumerate(_loads(fields.get("drafts_llm"), []))
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


def _iso(value: str | None) -> str | None:
    return _iso_of(value) if value else None


@functools.lru_cache(maxsize=8192)
def _iso_of(epoch: str) -> str:
    # Every agent polls the same head of the queue: its timestamps repeat, request after
    # request, and turning one into ISO text costs more than a cache look-up.
    return from_epoch(float(epoch)).isoformat()
