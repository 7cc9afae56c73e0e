"""Pack a batch of scored mentions for the ENQUEUE script: keys and one argument each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any

from connectors.model import Mention
from responder.drafts.priority import PIN, sort_key, weights
from responder.drafts.said import sentences
from responder.drafts.suggest import Suggestion
from responder.store import packed
from responder.store.keys import Keys, mention_id
from responder.store.records import EventType, Timing, dumps, event, to_fields
from responder.store.steps import kept

CONTEXT_KEPT = 3  # earlier messages of a thread that understanding reads
CONTEXT_CHARS = 200  # of each, kept for it
# Intents that say little of what a conversation is about: a follow-up that says more
# ("你好" then the order question) gives the conversation its understanding and drafts.
SMALL_TALK = ("chit_chat", "greeting")
# What a conversation takes from such a follow-up (its own words and timer stay).
# Stored fields: "u" holds intents, intent_words, role, intent_confidence, aspects,
# product and sentiment_cues (store/packed.py).
ADOPTED = (
    *("intent", "tone", "drafts", "reply_reason", "uncertain", "u"),
    *("sentiment_label", "sentiment_score"),
)


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


def context_key(mention: Mention, keys: Keys) -> str | None:
    """Return the key of the last messages of its author's thread (None without a thread)."""
    if not mention.thread_id:
        return None
    return keys.context(mention.platform, mention.account, mention.thread_id, mention.author.id)


def context_entry(who: str, text: str) -> str:
    """One message as the context list keeps it."""
    return dumps([who, text[:CONTEXT_CHARS]])


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
    stored = packed.pack(fields)  # as the hash keeps them
    timing = item.timing
    suggestion = item.suggestion
    known = suggestion.understanding
    crisis = known.crisis
    needed = known.reply_needed or (crisis.flag and known.role == "customer")
    reason = known.reply_reason or ("crisis" if crisis.flag else "")
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
        )
        if needed
        else event(EventType.NO_REPLY, now, "pipeline", reason=reason, role=known.role),
    ]
    item_keys = [keys.mention(mid), keys.mention_events(mid), keys.seen(mid)]
    said = said_key(item.mention, keys)  # only a thread remembers what it was told
    drafted = [s for d in suggestion.drafts for s in sentences(d.text)] if said else []
    if said is not None and drafted:
        item_keys.append(said)
    ctx = context_key(item.mention, keys)
    if ctx is not None:
        item_keys.append(ctx)
    if conv is not None:
        item_keys.append(conv)
        if head is not None:
            item_keys += [keys.mention(head), keys.mention_events(head), keys.followups(head)]
    deadline = timing.deadline.timestamp()
    base = suggestion.priority.base
    arg: dict[str, Any] = {
        "id": mid,
        "deadline": f"{deadline:.3f}",
        "order": f"{sort_key(0.0, deadline, crisis=crisis.flag):.3f}",
        "rank": f"{sort_key(base, deadline, crisis=crisis.flag):.3f}",
        "pin": 1 if crisis.flag and needed else 0,
        "needed": 1 if needed else 0,
        "reason": reason,
        "ctx": context_entry("same", item.mention.text) if ctx is not None else "",
        "back": dumps(event(EventType.NEEDS_REPLY, now, "pipeline", mention=mid)),
        "adopt": _adopted(stored) if _says_more(known) else [],
        "said": drafted if said is not None and drafted else [],
        "said_ttl": said_ttl,
        "at": f"{now.timestamp():.3f}",
        "warn_at": f"{timing.warn_at.timestamp():.3f}",
        "fields": [value for pair in stored.items() for value in pair],
        "events": [dumps(e) for e in events],
        "kept": [dumps(kept(e, fields)) for e in events],
        "joined": dumps(event(EventType.JOINED, now, "pipeline")),
        "conv": 1 if conv is not None else 0,
        "crisis": fields.get("crisis", ""),
        "head": head or "",
        "entry": item.entry,
        "k": len(item_keys),
    }
    if crisis.flag:  # a crisis follow-up makes its conversation a crisis: onto the head
        w = weights()
        arg["pin_fields"] = ["tone", "crisis", "drafts", fields.get("drafts", "")]
        arg["pin_points"] = w.crisis
        arg["pin_rank"] = f"{PIN + w.crisis * 60 / w.per_minute:.3f}"
    return item_keys, dumps(arg)


def _says_more(known: Any) -> bool:
    """Whether a follow-up says what its conversation is about (see SMALL_TALK)."""
    return not (known.uncertain or known.spam or known.intent in SMALL_TALK)


def _adopted(fields: dict[str, str]) -> list[str]:
    """The ADOPTED fields of a stored hash as HSET arguments ("" for those it lacks: none
    kept)."""
    return [value for name in ADOPTED for value in (name, fields.get(name, ""))]
