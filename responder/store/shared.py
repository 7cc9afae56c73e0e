"""`connectors.shared.Shared` over Redis: one namespace per connector under the prefix."""

from __future__ import annotations

from typing import cast

from redis.asyncio import Redis

from responder.store.keys import Keys

# Delete a key only if it still holds the value this caller set (a lock's owner).
_DELETE_IF = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
)


class RedisShared:
    """What one connector shares with the same connector in other processes."""

    def __init__(self, redis: Redis, keys: Keys, connector: str) -> None:
        self.redis, self.keys, self.connector = redis, keys, connector
        self._delete_if = redis.register_script(_DELETE_IF)

    def _key(self, key: str) -> str:
        return self.keys.shared(self.connector, key)

    async def get(self, key: str) -> str | None:
        return cast(str | None, await self.redis.get(self._key(key)))

    async def put(self, key: str, value: str, ttl: float) -> None:
        await self.redis.set(self._key(key), value, px=max(1, int(ttl * 1000)))

    async def put_new(self, key: str, value: str, ttl: float) -> bool:
        return bool(
            await self.redis.set(self._key(key), value, px=max(1, int(ttl * 1000)), nx=True)
        )

    async def delete(self, key: str, value: str | None = None) -> None:
        if value is None:
            await self.redis.delete(self._key(key))
        else:
            await self._delete_if(keys=[self._key(key)], args=[value])
