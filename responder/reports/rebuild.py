"""Rebuild the reports' counters from what Redis still holds: every mention's own log.

The global event stream is capped, but each mention keeps its whole log in its hash
until it expires (`[retention] closed` after it closed; open mentions never expire). A
rebuild reads every mention's log, counts it with the same tally as the rollup step,
writes the marks, then in one step (reports/lua.py RESET) wipes the counters it
recounted, puts its counts in their place and moves the rollup cursor to the last
stream entry there was when it began reading: the rollup step goes on from there, so
nothing is counted twice. If the step had already counted past that entry, the rebuild
reads the logs again. What cannot be rebuilt: mentions that expired (their counts stay
as they were for days before `since`, and are gone from days it wipes).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from responder.reports.buckets import day_start, hour_of
from responder.reports.lua import RESET
from responder.reports.rollup import Rollup
from responder.reports.tally import MARK, Tally

log = logging.getLogger(__name__)
CHUNK = 200  # mentions read per round
PARALLEL = 20  # mentions' logs read at once (a connection each; redis-py's pool holds 100)
ATTEMPTS = 3
_MENTION = re.compile(r":m:([0-9a-f]{16})$")
_BUCKET = re.compile(r":rep:([hdl]):([0-9-]+)$")
_MARK_ONE = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Rebuilt:
    mentions: int  # mentions whose logs were read
    wiped: int  # counter keys replaced


async def rebuild(rollup: Rollup, since: date | None = None) -> Rebuilt:
    """Recount the counters from `since` (a day in the team's zone; None: all)."""
    for _ in range(ATTEMPTS):
        done = await _attempt(rollup, since)
        if done is not None:
            return done
        log.info("the rollup step counted past the rebuild's start: reading the logs again")
    raise RuntimeError("the rollup step kept counting past the rebuild; try again")


async def _attempt(rollup: Rollup, since: date | None) -> Rebuilt | None:
    store, keys = rollup.store, rollup.store.keys
    last = cast(list[tuple[str, Any]], await store.redis.xrevrange(keys.events, count=1))
    end = last[0][0] if last else "0-0"
    low = day_start(since, rollup.zone).timestamp() if since else 0.0
    tally = Tally(rollup.zone, since=low)
    mentions = 0
    async for ids in _mention_ids(rollup):
        logs = []
        for start in range(0, len(ids), PARALLEL):  # within the client's connection pool
            part = ids[start : start + PARALLEL]
            logs += await asyncio.gather(*(store.events_of(mid) for mid in part))
        wanted = {mid for mid, evs in zip(ids, logs, strict=True) if _approved(evs)}
        rows = await rollup.rows(ids, wanted)
        for mid, evs in zip(ids, logs, strict=True):
            row = rows.get(mid)
            if row is None:
                continue  # expired meanwhile
            mentions += 1
            row.pop(MARK, None)  # counted afresh
            for ev in evs:
                tally.add(mid, ev, row)
    await _write_marks(rollup, tally.changed_marks())
    wipe = await _wiped(rollup, since)
    names, arg = tally.payload(
        keys,
        hours_kept=rollup.config.hours_kept.total_seconds(),
        days_kept=rollup.config.days_kept.total_seconds(),
        listed=rollup.config.listed,
        marks=False,
        wipe=len(wipe),
        gauge=tally.before,
    )
    script = store.redis.register_script(RESET)
    done = await script(
        keys=[keys.report_cursor, keys.report_backlog, *names, *wipe], args=[end, arg]
    )
    if int(done) != 1:
        return None
    return Rebuilt(mentions=mentions, wiped=len(wipe))


async def _mention_ids(rollup: Rollup) -> AsyncIterator[list[str]]:
    """Every mention id in Redis, CHUNK at a time (a SCAN: other writes go on)."""
    redis, root = rollup.store.redis, rollup.store.keys.root
    chunk: list[str] = []
    async for name in redis.scan_iter(match=f"{root}:m:*", count=1000, _type="hash"):
        if found := _MENTION.search(str(name)):
            chunk.append(found.group(1))
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _approved(events: list[dict[str, Any]]) -> bool:
    return any(ev.get("type") == "approved" for ev in events)


async def _write_marks(rollup: Rollup, marks: dict[str, str]) -> None:
    """Write each mention's mark (on hashes that still exist)."""
    redis, keys = rollup.store.redis, rollup.store.keys
    script = redis.register_script(_MARK_ONE)
    items = list(marks.items())
    for start in range(0, len(items), CHUNK):
        async with redis.pipeline(transaction=False) as pipe:
            for mid, value in items[start : start + CHUNK]:
                await script(keys=[keys.mention(mid)], args=[MARK, value], client=pipe)
            await pipe.execute()


async def _wiped(rollup: Rollup, since: date | None) -> list[str]:
    """The counter keys a rebuild from `since` replaces (all of them without one)."""
    redis, keys = rollup.store.redis, rollup.store.keys
    low_hour = hour_of(day_start(since, rollup.zone).timestamp()) if since else 0
    out: list[str] = []
    async for name in redis.scan_iter(match=f"{keys.root}:rep:*", count=1000):
        key = str(name)
        found = _BUCKET.search(key)
        if found is None:
            if since is None and key in (keys.report_incidents, keys.report_incident_reply):
                out.append(key)
            continue
        kind, value = found.groups()
        if since is None or _from(kind, value, low_hour, since):
            out.append(key)
    return out


def _from(kind: str, value: str, low_hour: int, since: date) -> bool:
    """Whether a counter key (hour or day) is on or after the rebuild's first day."""
    if kind == "h":
        return int(value) >= low_hour
    return date.fromisoformat(value) >= since
