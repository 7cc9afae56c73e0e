"""Dead letters: ingest entries the pipeline could not queue, kept with why, retryable."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from redis.asyncio import Redis

from responder.clock import from_epoch
from responder.store.keys import Keys

MAX_FIELD = 64 * 1024  # an absurd entry is cut, not refused: the reason says what it was


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadLetter:
    """One set-aside ingest entry: what arrived, why it failed, when, after how many reads."""

    entry_id: str  # its id in the ingest stream
    fields: Mapping[str, str]  # the entry as it arrived (mention, source, ingested_at)
    reason: str
    at: datetime
    deliveries: int = 1
    letter_id: str = ""  # its id in the dead-letter stream, once stored

    def to_fields(self) -> dict[str, str]:
        return {
            "entry_id": self.entry_id,
            "entry": json.dumps(dict(self.fields), ensure_ascii=False)[:MAX_FIELD],
            "reason": self.reason[:2000],
            "at": f"{self.at.timestamp():.3f}",
            "deliveries": str(self.deliveries),
        }

    @classmethod
    def from_fields(cls, letter_id: str, fields: Mapping[str, str]) -> DeadLetter:
        try:
            entry = json.loads(fields.get("entry", "{}"))
        except ValueError:
            entry = {"unreadable": fields.get("entry", "")}
        return cls(
            entry_id=fields.get("entry_id", ""),
            fields={str(k): str(v) for k, v in entry.items()} if isinstance(entry, dict) else {},
            reason=fields.get("reason", ""),
            at=from_epoch(float(fields.get("at") or 0)),
            deliveries=int(fields.get("deliveries") or 1),
            letter_id=letter_id,
        )


async def list_letters(redis: Redis, keys: Keys, limit: int = 100) -> list[DeadLetter]:
    """Return the newest dead letters first."""
    rows = cast(list[tuple[str, dict[str, str]]], await redis.xrevrange(keys.dead, count=limit))
    return [DeadLetter.from_fields(letter_id, fields) for letter_id, fields in rows]


async def requeue(redis: Redis, keys: Keys, letter_id: str) -> str | None:
    """Put a dead letter's entry back on the ingest stream and remove the letter.

    Returns the new ingest entry id, or None if there is no such letter. Both steps are one
    transaction, so a letter is never requeued twice nor lost.
    """
    rows = cast(
        list[tuple[str, dict[str, str]]], await redis.xrange(keys.dead, letter_id, letter_id)
    )
    if not rows:
        return None
    letter = DeadLetter.from_fields(*rows[0])
    async with redis.pipeline(transaction=True) as pipe:
        entry: dict[Any, Any] = dict(letter.fields) or {"unreadable": letter.reason}
        pipe.xadd(keys.ingest, entry)
        pipe.xdel(keys.dead, letter_id)
        new_id, _ = await pipe.execute()
    return str(new_id)
