"""A source's health, in one home: its states, the fields of its hash, and every write.

The poller records each attempt with `SourceHealth.write` (`ok_fields`, `failure_fields`);
a push connector's ingest adds `ok_fields` to its own transaction (`queue_write`); the
monitor's Lua receives the field names and state groups as `LUA_SCHEMA` instead of
spelling them (it only fills in a missing `failing_since`); /api/health judges a row with
`judged`. Nobody else writes `keys.health(source)`.

States (the hash's `state` holds the first five; the last two are judged by a reader):

| state          | meaning                                                   | failing |
|----------------|-----------------------------------------------------------|---------|
| `ok`           | the last poll (or push) worked                            | no      |
| `rate_limited` | the platform said slow down; waiting what it said         | no      |
| `down`         | the platform is unavailable or answers garbage; backoff   | yes     |
| `error`        | our side failed (Redis away, a bug); a short backoff      | yes     |
| `auth_failed`  | credentials refused; stopped until a person fixes them    | yes     |
| `standby`      | another process holds the lease and polls (this process)  | no      |
| `stalled`      | nobody polled it for `grace` past the holder's next poll: | yes     |
|                | the holder stopped (killed, hung) and nobody took over    |         |
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from redis.asyncio import Redis

from responder.store.keys import Keys


class Health(StrEnum):
    OK = "ok"
    DOWN = "down"  # unavailable or answering garbage; retried with backoff
    RATE_LIMITED = "rate_limited"
    AUTH_FAILED = "auth_failed"  # stopped until a human fixes the credentials
    ERROR = "error"  # our side failed (Redis away, a bug); retried with a short backoff
    STANDBY = "standby"  # another process holds this account's lease and polls it
    STALLED = "stalled"  # its holder stopped polling and nobody has taken over yet


# States a process may call healthy (a rate limit is the platform's normal pacing).
HEALTHY = frozenset({Health.OK, Health.RATE_LIMITED, Health.STANDBY})
# Stored states the monitor counts as an outage (from `failing_since`).
OUTAGE = (Health.DOWN, Health.ERROR, Health.RATE_LIMITED, Health.AUTH_FAILED)

# The hash's fields (times are epoch seconds with 3 decimals).
STATE = "state"
LAST_SUCCESS = "last_success"
LAST_ERROR = "last_error"  # the last failure's message, at most 500 characters
LAST_ERROR_AT = "last_error_at"
FAILURES = "failures"  # consecutive failed polls
FAILING_SINCE = "failing_since"  # the current outage's first failure; gone after a success
NEXT_POLL = "next_poll"  # when the holder means to poll next; absent: no schedule (push)
POLLED_BY = "polled_by"  # the lease owner that wrote the row last
TIMES = (LAST_SUCCESS, LAST_ERROR_AT, FAILING_SINCE, NEXT_POLL)
ERROR_MAX = 500

# What the monitor's SOURCE script reads: field names and state groups (ARGV[6]); it judges
# `stalled` as `stalled` below does, with the grace and start it gets in ARGV[7] and [8].
LUA_SCHEMA = json.dumps(
    {
        "state": STATE,
        "failing_since": FAILING_SINCE,
        "last_error_at": LAST_ERROR_AT,
        "last_success": LAST_SUCCESS,
        "next_poll": NEXT_POLL,
        "ok": str(Health.OK),
        "stalled": str(Health.STALLED),
        "auth_failed": str(Health.AUTH_FAILED),
        "outage": [str(s) for s in OUTAGE],
    }
)

Fields = dict[str, str | int]


def _at(moment: datetime | float) -> str:
    seconds = moment.timestamp() if isinstance(moment, datetime) else moment
    return f"{seconds:.3f}"


def ok_fields(now: datetime, *, next_poll: float | None = None, by: str | None = None) -> Fields:
    """A success at `now` (a poll, or a push arriving)."""
    fields: Fields = {STATE: str(Health.OK), LAST_SUCCESS: _at(now), FAILURES: 0}
    return _schedule(fields, next_poll, by)


def failure_fields(
    state: Health,
    error: str,
    now: datetime,
    failures: int,
    *,
    next_poll: float | None = None,
    by: str | None = None,
) -> Fields:
    """A failed poll at `now`; `next_poll` None means none is planned (auth_failed)."""
    fields: Fields = {
        STATE: str(state),
        LAST_ERROR: error[:ERROR_MAX],
        LAST_ERROR_AT: _at(now),
        FAILURES: failures,
    }
    return _schedule(fields, next_poll, by)


def _schedule(fields: Fields, next_poll: float | None, by: str | None) -> Fields:
    fields[NEXT_POLL] = "" if next_poll is None else _at(next_poll)
    if by is not None:
        fields[POLLED_BY] = by
    return fields


def queue_write(pipe: Any, key: str, fields: Mapping[str, str | int]) -> None:
    """Queue a write of `fields` on a Redis pipeline. A failure keeps the time of the
    outage's first failure as `failing_since` (HSETNX); ok ends the outage and drops it,
    so how long a source has been failing reads the same in every process and after a
    restart."""
    pipe.hset(key, mapping=dict(fields))
    if fields.get(STATE) == str(Health.OK):
        pipe.hdel(key, FAILING_SINCE)
    elif LAST_ERROR_AT in fields:
        pipe.hsetnx(key, FAILING_SINCE, fields[LAST_ERROR_AT])


class SourceHealth:
    """Every source's health hash in Redis, shared by all processes."""

    def __init__(self, redis: Redis, keys: Keys) -> None:
        self.redis, self.keys = redis, keys

    async def write(self, source: str, fields: Mapping[str, str | int]) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            queue_write(pipe, self.keys.health(source), fields)
            await pipe.execute()

    async def read(self, sources: Sequence[str]) -> dict[str, dict[str, str]]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for source in sources:
                pipe.hgetall(self.keys.health(source))
            rows = await pipe.execute()
        return dict(zip(sources, rows, strict=True))


def stalled(row: Mapping[str, str], now: float, grace: float, started: float = 0.0) -> bool:
    """Say whether the holder of a polled source stopped: its planned next poll (or, if
    later, `started`: when the judging process started and could first poll) is more than
    `grace` seconds past. So a restart after downtime gets a grace before it judges. A
    row without a plan (a push source, an auth failure, nothing polled yet) is never
    stalled."""
    planned = row.get(NEXT_POLL, "")
    if not planned or row.get(STATE) == Health.AUTH_FAILED:
        return False
    return now > max(float(planned), started) + grace


def judged(
    row: Mapping[str, str], mine: Health, now: float, grace: float, started: float = 0.0
) -> Health:
    """The state to show for a polled source: stalled wins, even over this process's own
    poller (a hung poll is stalled too); else what this process's poller says."""
    return Health.STALLED if stalled(row, now, grace, started) else mine
