"""The Redis store: mention hashes, the deadline queue, agents' actions, the event log."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

import orjson
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from responder.clock import from_epoch
from responder.config import RetentionConfig, SlaConfig
from responder.drafts.learning import ranking
from responder.store import lua, packed, reads, steps
from responder.store.enqueue import context_entry
from responder.store.keys import Keys
from responder.store.packing import PACKER
from responder.store.people import ACCOUNT_FIELDS, Mark, mark_of
from responder.store.records import EventType, State, dumps, event
from responder.store.source_health import SourceHealth
from responder.store.stages import TIMED, Stage
from responder.store.stream import ROUNDS, StreamStore, seconds
from responder.store.views import API_FIELDS

log = logging.getLogger(__name__)
DEFAULT_ESCALATIONS = json.dumps(SlaConfig().escalations())  # [sla] escalate_after unset


class Result(StrEnum):
    """How a claim, reply or dismiss went."""

    OK = "ok"
    UNKNOWN = "unknown"  # no such mention
    NOT_OPEN = "not_open"  # already replied, dismissed or joined to another
    CLAIMED = "claimed"  # another agent holds an unexpired claim
    MAYBE_SENT = "maybe_sent"  # its last send may have gone out: a resend must be confirmed
    HELD = "held"  # an approval waits out its send delay (undo possible): detail is who


_RESULTS = {
    1: Result.OK,
    0: Result.NOT_OPEN,
    -1: Result.UNKNOWN,
    2: Result.CLAIMED,
    6: Result.HELD,
    4: Result.MAYBE_SENT,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Bookkeeping:
    """What closing a mention also records: what agents did with each draft template, and
    the sentences its author was told (`said_key`: keys.said of its thread, if any)."""

    counts: dict[str, int]
    said_key: str | None = None
    sentences: tuple[str, ...] = ()
    context_key: str | None = None  # keys.context of its thread: the reply joins it
    reply: str = ""

    def packed(self) -> str:
        said = list(self.sentences) if self.said_key else []
        ctx = context_entry("brand", self.reply) if self.context_key and self.reply else ""
        return dumps({"counts": self.counts, "said": said, "ctx": ctx})


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """`result`, and `detail`: the state (not open) or the agent holding the claim."""

    result: Result
    detail: str = ""


class Store(StreamStore):
    """All reads and writes Tiexin makes to Redis: the stream side, the queue and actions."""

    def __init__(self, redis: Redis, keys: Keys, retention: RetentionConfig | None = None) -> None:
        super().__init__(redis, keys, retention)
        self._read = redis.register_script(reads.READ)
        self._pages = reads.QueuePages(redis, keys, packed.fetch(API_FIELDS))
        self._for_closing = redis.register_script(reads.FOR_CLOSING)
        self._events = redis.register_script(reads.EVENTS)
        self._close = redis.register_script(lua.CLOSE)
        self._sweep = redis.register_script(lua.SWEEP)
        self._claim = redis.register_script(lua.CLAIM)
        self._correct = redis.register_script(lua.CORRECT)

    # -- queue and actions -------------------------------------------------
    async def queue(
        self, limit: int, offset: int = 0, *, by: str = "deadline"
    ) -> tuple[int, list[dict[str, str]]]:
        """Return (open count, the open mentions), each with its API_FIELDS: by deadline
        or by priority, a crisis first either way."""
        keys = self.keys
        order = keys.priority if by == "priority" else keys.queue
        total, text = await self._pages.read(order, offset, offset + limit - 1)
        rows = cast(list[dict[str, str]], orjson.loads(text))
        return int(total), [packed.unpack(row, API_FIELDS) for row in rows if row]

    async def queue_size(self) -> int:
        return int(await self.redis.zcard(self.keys.queue))

    async def for_closing(
        self, mid: str, fields: Sequence[str]
    ) -> tuple[dict[str, str] | None, tuple[str, list[str]]]:
        """Return a mention's `fields` and what closing it expects (its conversation and
        follow-ups), in one round trip."""
        keys, names = self.keys, [*fields, "conversation"]
        read = packed.fetch(names)
        values, followers = await self._for_closing(
            keys=[keys.mention(mid), keys.followups(mid)], args=read
        )
        row = await self._unpacked(packed.unpack(_row(read, values), names))
        return row or None, (row.get("conversation", ""), list(followers))

    async def mentions(
        self, ids: Sequence[str], fields: Sequence[str] = API_FIELDS
    ) -> list[dict[str, str]]:
        """Return the mentions that exist, in order, with only `fields` (what a view shows).

        One script call reads them all and answers one JSON text (reads.py says why): one
        command to send and one string to parse, where a pipeline of HMGETs spent most of
        its time packing the field names once per mention.
        """
        if not ids:
            return []
        keys = [self.keys.mention(mid) for mid in ids]
        return rows_of(await self._read(keys=keys, args=packed.fetch(fields)), fields)

    async def read_in(self, pipe: Pipeline, ids: Sequence[str], fields: Sequence[str]) -> None:
        """Queue what `mentions` reads on `pipe` (its reply: `rows_of`), so it goes to
        Redis with other reads in one round trip."""
        keys = [self.keys.mention(mid) for mid in ids]
        await self._read(keys=keys, args=packed.fetch(fields), client=pipe)

    async def mention(self, mid: str, fields: Sequence[str] | None = None) -> dict[str, str] | None:
        """Return one mention's hash (all of it, or only `fields`), or None if unknown."""
        if fields is None:
            flat = cast(dict[str, str], await self.redis.hgetall(self.keys.mention(mid)))
            kept = {f: v for f, v in flat.items() if not f.startswith(reads.EVENT_PREFIX)}
            row = packed.unpack(kept)
        else:
            read = packed.fetch(fields)
            values = await self.redis.hmget(self.keys.mention(mid), read)
            row = packed.unpack(_row(read, cast(list[str | None], values)), fields)
        return await self._unpacked(row) or None

    async def _unpacked(self, row: dict[str, str]) -> dict[str, str]:
        """`row` with its drafts read as the JSON they pack."""
        if row.get("drafts"):
            row["drafts"] = dumps(await self.drafts(row["drafts"]))
        return row

    async def drafts(self, value: str) -> list[list[str]]:
        """Unpack a stored drafts value, fetching its dictionary from Redis if need be."""
        if ident := PACKER.missing(value):
            stored = cast(str | None, await self.redis.get(self.keys.drafts_dictionary(ident)))
            if stored is None:
                log.error("drafts dictionary %s is gone from Redis: drafts not shown", ident)
                return []
            PACKER.learn(stored.encode())
        return PACKER.unpack(value)

    async def events_of(self, mid: str) -> list[dict[str, Any]]:
        """Return a mention's events, oldest first (from its hash, after those of the list
        that data written before kept them in)."""
        keys = [self.keys.mention(mid), self.keys.mention_events(mid)]
        read = packed.fetch(steps.FIELDS)
        rows, values = await self._events(keys=keys, args=read)
        fields = packed.unpack(_row(read, values), steps.FIELDS)
        return steps.logged(rows, fields)

    async def followups_of(self, mid: str) -> list[dict[str, str]]:
        ids = cast(list[str], await self.redis.lrange(self.keys.followups(mid), 0, -1))
        return await self.mentions(ids)

    async def close(
        self,
        mid: str,
        state: State,
        actor: str,
        now: datetime,
        *,
        details: dict[str, Any] | None = None,
        book: Bookkeeping | None = None,
        expect: tuple[str, list[str]] | None = None,
        mark: Mark | None = None,
        **extra: str,
    ) -> Outcome:
        """Reply to or dismiss an open mention once, unless another agent claimed it.

        `extra` is stored on the mention and in its event, `details` in the event only;
        `book` is counted and remembered in the same step, only if the mention closes.
        The mention, its follow-ups and their logs then expire after `retention.closed`.
        The first call assumes `expect` (conversation key, follow-up ids; default none: one
        round trip for most mentions); if they differ, the script names them and the call
        is made again. The mention joins its author's history (`mark`: people.mark_of
        the mention; read here when not given) in the same step.
        """
        kind = EventType.APPROVED if state is State.APPROVED else EventType.DISMISSED
        record = _dumps(event(kind, now, actor, **extra, **(details or {})))
        k = self.keys
        conv, followers = expect or ("", list[str]())
        if mark is None:
            mark = mark_of(k, await self.mention(mid, ACCOUNT_FIELDS) or {})
        for _ in range(ROUNDS):
            keys = [k.mention(mid), k.queue, k.due(Stage.WARNED), k.due(Stage.BREACHED)]
            keys += [k.mention_events(mid), k.events, k.followups(mid), k.seen(mid), k.priority]
            keys += [k.draft_stats, (book and book.said_key) or k.draft_stats, k.outbox]
            keys += [k.due(Stage.ESCALATED), (book and book.context_key) or k.draft_stats]
            keys += [k.no_reply, mark.key if mark else k.draft_stats]
            if conv:
                keys.append(conv)
            for follower in followers:
                keys += [k.mention(follower), k.mention_events(follower), k.seen(follower)]
            result = await self._close(
                keys=keys,
                args=[
                    self.retention.events,
                    mid,
                    str(state),
                    record,
                    seconds(self.retention.closed),
                    seconds(self.retention.dedupe),
                    conv,
                    len(followers),
                    book.packed() if book else "",
                    mark.score if mark else "",
                    *[item for pair in extra.items() for item in pair],
                ],
            )
            if int(result[0]) != 3:
                return Outcome(result=_RESULTS[int(result[0])], detail=str(result[1]))
            conv, followers = str(result[1]), [str(f) for f in result[2:]]
        raise RuntimeError(f"mention {mid} kept changing while being closed")

    async def claim(self, mid: str, agent: str, now: datetime, ttl: timedelta) -> Outcome:
        """Lock an open mention for one agent until `now + ttl`; the same agent renews it."""
        until = now + ttl
        record = event(EventType.CLAIMED, now, agent, until=round(until.timestamp(), 3))
        k = self.keys
        result = await self._claim(
            keys=[k.mention(mid), k.mention_events(mid), k.events],
            args=[
                self.retention.events,
                mid,
                agent,
                f"{now.timestamp():.3f}",
                f"{until.timestamp():.3f}",
                _dumps(record),
            ],
        )
        return Outcome(result=_RESULTS[int(result[0])], detail=str(result[1]))

    async def correct(self, mid: str, label: str, agent: str, now: datetime) -> Outcome:
        """Record an agent's sentiment label for a mention, as training data too."""
        k = self.keys
        found = await self._correct(
            keys=[k.mention(mid), k.mention_events(mid), k.events, k.training],
            args=[
                self.retention.events,
                mid,
                label,
                _dumps(event(EventType.CORRECTED, now, agent, label=label)),
                self.retention.corrections,
            ],
        )
        return Outcome(result=Result.OK if int(found) == 1 else Result.UNKNOWN)

    async def corrections(self) -> list[dict[str, Any]]:
        """Every sentiment correction agents made still kept, the latest one per mention."""
        rows = cast(list[tuple[str, dict[str, str]]], await self.redis.xrange(self.keys.training))
        latest = {fields["mention"]: json.loads(fields["sample"]) for _, fields in rows}
        return list(latest.values())

    async def sweep(
        self,
        stage: Stage,
        now: datetime,
        limit: int,
        escalations: str = DEFAULT_ESCALATIONS,
    ) -> list[tuple[str, datetime]]:
        """Fire alert `stage` for mentions due by `now`; return (id, due time) of each fired.
        A breach schedules the escalation `escalations` (SlaConfig.escalations as JSON) says."""
        due_key = self.keys.due(stage)
        ids = cast(
            list[str],
            await self.redis.zrangebyscore(due_key, "-inf", now.timestamp(), start=0, num=limit),
        )
        if not ids:
            return []
        after = Stage.BREACHED if stage is Stage.WARNED else Stage.ESCALATED
        keys = [due_key, self.keys.events, self.keys.alerts, self.keys.due(after)]
        for mid in ids:
            keys += [self.keys.mention(mid), self.keys.mention_events(mid)]
        flat = await self._sweep(
            keys=keys,
            args=[self.retention.events, f"{now.timestamp():.3f}", str(stage), escalations, *ids],
        )
        return [(flat[i], from_epoch(float(flat[i + 1]))) for i in range(0, len(flat), 2)]

    async def draft_ranking(self) -> dict[str, float]:
        """Return the ranking of draft templates learned from agents' choices."""
        return ranking(cast(dict[str, str], await self.redis.hgetall(self.keys.draft_stats)))

    async def draft_stats(self) -> dict[str, str]:
        return cast(dict[str, str], await self.redis.hgetall(self.keys.draft_stats))

    async def next_due(self) -> datetime | None:
        """Return when the earliest alert stage (warn, breach, escalate) is due, or None."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for stage in TIMED:
                pipe.zrange(self.keys.due(stage), 0, 0, withscores=True)
            firsts = await pipe.execute()
        scores = [float(rows[0][1]) for rows in firsts if rows]
        return from_epoch(min(scores)) if scores else None

    async def set_health(self, source: str, fields: dict[str, str | int]) -> None:
        """Record a source's health (see `source_health`, the one home of its fields)."""
        await SourceHealth(self.redis, self.keys).write(source, fields)

    async def health(self, sources: Sequence[str]) -> dict[str, dict[str, str]]:
        return await SourceHealth(self.redis, self.keys).read(sources)


_dumps = dumps


def _row(fields: Sequence[str], values: Sequence[str | None]) -> dict[str, str]:
    """Pair HMGET's values with their field names, leaving out fields the hash lacks."""
    return {f: v for f, v in zip(fields, values, strict=True) if v is not None}


def rows_of(reply: Any, fields: Sequence[str]) -> list[dict[str, str]]:
    """The mentions a READ script's reply holds that exist, each with `fields`."""
    rows = cast(list[dict[str, str]], orjson.loads(reply))
    return [packed.unpack(row, fields) for row in rows if row]
