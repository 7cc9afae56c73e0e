"""Leases and shared waits: with several processes, each account is polled by one at a time,
and a platform's "slow down" holds back every process, not just the one told.

A lease is `OWNER UNTIL` (UNTIL in epoch seconds on the injected clock, like every SLA time,
so processes on several machines need synced clocks, as the timers already do). Its holder
renews it every `renew_every` seconds, whether or not a poll is running, so a slow poll
keeps it and a dead holder's lease lapses within `ttl`; a standby takes it at its next
poll after that. The key also gets a Redis expiry of a few TTLs, only to clean up after a
connector that was removed.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from responder.store.store import Store

MIN_TTL = 10.0  # seconds: a short stall of the event loop or of Redis keeps the lease
MAX_TTL = 60.0  # seconds: a dead holder's lease lapses within a minute, whatever the interval
RENEWALS = 3  # renewals per TTL: one or two may be missed without losing the lease
STALL_MARGIN = 30.0  # seconds a takeover's first poll may take before a source is stalled
INSTANCE_FILE = "instance"  # in the data dir: this data dir's random id
_INSTANCE = re.compile(r"[0-9a-f]{16}")

# KEYS[1] the lease; ARGV[1] owner, ARGV[2] now (epoch s), ARGV[3] ttl (s).
# Take the lease if it is free, lapsed or ours (renewing it). Returns 1 if we hold it.
# A value without UNTIL is an older Tiexin's: it is held until its Redis expiry.
_TAKE = """
local held = redis.call('GET', KEYS[1])
if held then
  local owner, until_ = string.match(held, '^(.*) ([%d%.]+)$')
  if owner ~= ARGV[1] and (not until_ or tonumber(until_) > tonumber(ARGV[2])) then
    return 0
  end
end
local until_ = string.format('%.3f', tonumber(ARGV[2]) + tonumber(ARGV[3]))
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. until_, 'PX',
           math.floor(tonumber(ARGV[3]) * 1000 * 3))
return 1
"""
_RELEASE = """
local held = redis.call('GET', KEYS[1])
if held and (held == ARGV[1] or string.sub(held, 1, #ARGV[1] + 1) == ARGV[1] .. ' ') then
  redis.call('DEL', KEYS[1])
end
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class LeaseTiming:
    """A polled source's lease times, from its poll interval (seconds)."""

    interval: float

    def __post_init__(self) -> None:
        if self.interval <= 0:
            raise ValueError("interval must be > 0")

    @property
    def ttl(self) -> float:
        """How long a lease lasts unrenewed: the interval, within [MIN_TTL, MAX_TTL]."""
        return min(max(self.interval, MIN_TTL), MAX_TTL)

    @property
    def renew_every(self) -> float:
        return self.ttl / RENEWALS

    @property
    def takeover(self) -> float:
        """The longest a dead holder's source goes unpolled: its lease lapses (ttl) and a
        standby tries at its next poll (interval): at most two intervals, or MIN_TTL and one
        interval for intervals shorter than MIN_TTL."""
        return self.ttl + self.interval

    @property
    def stall_grace(self) -> float:
        """Seconds past the holder's planned next poll after which the source is stalled:
        a takeover would have polled by then."""
        return self.takeover + STALL_MARGIN


def owner_id(data_dir: Path) -> str:
    """Name this process by host and data dir: the same name after a restart, so a restarted
    process takes its own lease back at once.

    Safe because of the data-dir lock (`DataDir.lock`, taken in `runtime._redis_ctx` before
    any poller starts, with an embedded or an external Redis): only one live process uses a
    data dir at a time, so a lease held under this name belongs to this process or to its
    dead predecessor, never to another live process. The id is random per data dir, so two
    data dirs on one host get two names, and the host name keeps machines apart that share
    an external Redis (even with a data dir copied from one to another).
    """
    return f"{socket.gethostname()}:{instance_id(data_dir)}"


def instance_id(data_dir: Path) -> str:
    """Return the data dir's random id, creating it on first use (under the data-dir lock)."""
    path = data_dir.resolve() / INSTANCE_FILE
    try:
        found = path.read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        found = ""
    if _INSTANCE.fullmatch(found):
        return found
    made = secrets.token_hex(8)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{INSTANCE_FILE}.partial")
    partial.write_text(made + "\n", "ascii")
    os.replace(partial, path)  # whole or not at all, even if we die here
    return made


class Leases:
    """Per-connector leases and rate-limit waits in Redis."""

    def __init__(self, store: Store, owner: str) -> None:
        if not owner or " " in owner:
            raise ValueError(f"a lease owner is a non-empty name without spaces: {owner!r}")
        self.redis, self.keys, self.owner = store.redis, store.keys, owner
        self._take = self.redis.register_script(_TAKE)
        self._release = self.redis.register_script(_RELEASE)

    async def take(self, source: str, now: float, ttl: float) -> bool:
        """Hold `source`'s lease until `now` + `ttl` (renewing it if held); False if another
        process holds it."""
        got = await self._take(
            keys=[self.keys.lease(source)], args=[self.owner, f"{now:.3f}", f"{ttl:.3f}"]
        )
        return int(got) == 1

    async def holder(self, source: str) -> str | None:
        value = await self.redis.get(self.keys.lease(source))
        return None if value is None else str(value).rsplit(" ", 1)[0]

    async def release(self, source: str) -> None:
        await self._release(keys=[self.keys.lease(source)], args=[self.owner])

    async def hold_back(self, source: str, seconds: float) -> None:
        """Make every process wait `seconds` before polling `source` again."""
        key = self.keys.shared(source, "wait")
        await self.redis.set(key, "1", px=max(1, int(seconds * 1000)))

    async def held_back(self, source: str) -> float:
        """Seconds every process must still wait before polling `source` (0 if none)."""
        left = int(await self.redis.pttl(self.keys.shared(source, "wait")))
        return max(0.0, left / 1000)
