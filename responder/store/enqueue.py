"""Pack a batch of scored mentions for the ENQUEUE script: keys and one argument each."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any

from connectors.model import Mention
from responder.drafts.priority import PIN, sort_key, weights
from responder.drafts.render import sentences
from responder.drafts.suggest import Suggestion
from responder.store.keys import Keys, mention_id
from responder.store.records import EventType, Timing, event, to_fields


class Code(IntEnum):
    """What the ENQUEUE script did with one mention."""

    DUPLICATE = 0
    QUEUED = 1  # a new conversation in the queue
    JOINED = 2  # a follow-up folded into an open conversation
    RETRY = 3  # the conversation changed between our read and the script: read again


@dataclass(frozen=True, slots=True, kw_only=True)
class Ready:
    """A parsed, scored and timed mention, ready to be queued."""

    mention: Mention
    suggestion: Suggestion
    timing: Timing
    source: str
    ingested_at: datetime
    entry: str = ""  # the ingest stream entry that carried it: tells a redelivery apart

    @property
    def id(self) -> str:
        return mention_id(*self.mention.identity)

    def conversation(self, keys: Keys) -> str | None:
        """Return the conversation key follow-ups by the same author would share."""
        m = self.mention
        if not m.thread_id:
            return None
        return keys.conversation(m.platform, m.account, m.thread_id, m.author.id)


def said_key(mention: Mention, keys: Keys) -> str | None:
    """Return the key of what its author's thread was told (None without a thread)."""
    if not mention.thread_id:
        return None
    return keys.said(mention.platform, mention.account, mention.thread_id, mention.author.id)


def pack(
    item: Ready, keys: Keys, head: str | None, now: datetime, said_ttl: int
) -> tuple[list[str], str]:
    """Return the keys and the packed argument of one mention for ENQUEUE.

    `head` is the conversation's head as last read (None: no open conversation).
    """
    mid = item.id
    conv = item.conversation(keys)
    fields = to_fields(
        mid,
        item.mention,
        item.suggestion,
        item.timing,
        source=item.source,
        ingested_at=item.ingested_at,
        queued_at=now,
        conversation=conv or "",
    )
    fields["entry"] = item.entry
    timing = item.timing
    suggestion = item.suggestion
    crisis = suggestion.understanding.crisis
    events = [
        event(
            EventType.INGESTED,
            item.ingested_at,
            item.source,
            lag_s=round(timing.lag.total_seconds(), 3),
        ),
        event(
            EventType.SCORED,
            now,
            "pipeline",
            label=str(suggestion.sentiment.label),
            score=round(suggestion.sentiment.score, 4),
            model_score=round(suggestion.understanding.model_sentiment.score, 4),
            intent=suggestion.understanding.intent,
            **({"crisis": list(crisis.words)} if crisis.flag else {}),
        ),
        event(
            EventType.QUEUED,
            now,
            "pipeline",
            deadline=round(timing.deadline.timestamp(), 3),
            at_risk=timing.at_risk,
        ),
    ]
    item_keys = [keys.mention(mid), keys.mention_events(mid), keys.seen(mid)]
    said = said_key(item.mention, keys)
    drafted = [s for d in suggestion.drafts for s in sentences(d.text)]
    if said is not None and drafted:
        item_keys.append(said)
    if conv is not None:
        item_keys.append(conv)
        if head is not None:
            item_keys += [keys.mention(head), keys.mention_events(head), keys.followups(head)]
    deadline = timing.deadline.timestamp()
    base = suggestion.priority.base
    packed: dict[str, Any] = {
        "id": mid,
        "deadline": f"{deadline:.3f}",
        "order": f"{sort_key(0.0, deadline, crisis=crisis.flag):.3f}",
        "rank": f"{sort_key(base, deadline, crisis=crisis.flag):.3f}",
        "pin": 1 if crisis.flag else 0,
        "said": drafted if said is not None and drafted else [],
        "said_ttl": said_ttl,
        "at": f"{now.timestamp():.3f}",
        "warn_at": f"{timing.warn_at.timestamp():.3f}",
        "fields": [value for pair in fields.items() for value in pair],
        "events": [dumps(e) for e in events],
        "joined": dumps(event(EventType.JOINED, now, "pipeline")),
        "conv": 1 if conv is not None else 0,
        "crisis": fields.get("crisis", ""),
        "head": head or "",
        "entry": item.entry,
        "k": len(item_keys),
    }
    if crisis.flag:  # a crisis follow-up makes its conversation a crisis: onto the head
        w = weights()
        packed["pin_fields"] = ["tone", "crisis", "drafts", fields.get("drafts", "")]
        packed["pin_points"] = w.crisis
        packed["pin_rank"] = f"{PIN + w.crisis * 60 / w.per_minute:.3f}"
    return item_keys, dumps(packed)


def dumps(value: Any) -> str:
    """Encode JSON compactly, keeping Chinese text readable (no \\u escapes)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
