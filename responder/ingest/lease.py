"""Leases and shared waits: with several processes, each account is polled by one at a time,
and a platform's "slow down" holds back every process, not just the one told."""

from __future__ import annotations

import os
import secrets
import socket

from responder.store.store import Store

# Take the lease if it is free, or renew it if it is ours. Returns 1 if we hold it.
_TAKE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"""
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end"


def owner_id() -> str:
    """Name this process uniquely (host, pid and a random part: pids get reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Leases:
    """Per-connector leases and rate-limit waits in Redis."""

    def __init__(self, store: Store, owner: str) -> None:
        self.redis, self.keys, self.owner = store.redis, store.keys, owner
        self._take = self.redis.register_script(_TAKE)
        self._release = self.redis.register_script(_RELEASE)

    async def take(self, source: str, ttl: float) -> bool:
        """Hold `source`'s lease for `ttl` seconds (renewing it if held); False if another
        process holds it. A process that dies loses it after `ttl`."""
        got = await self._take(keys=[self.keys.lease(source)], args=[self.owner, int(ttl * 1000)])
        return int(got) == 1

    async def holder(self, source: str) -> str | None:
        value = await self.redis.get(self.keys.lease(source))
        return None if value is None else str(value)

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
