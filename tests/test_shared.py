"""What connectors share across processes: keys with expiry, locks, one token per app."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from connectors.shared import TokenCache
from responder.store.keys import Keys
from responder.store.shared import RedisShared


async def test_values_expire_and_are_scoped_to_one_connector(redis: Redis) -> None:
    weibo, wechat = RedisShared(redis, Keys("t"), "weibo"), RedisShared(redis, Keys("t"), "wx")
    await weibo.put("token", "abc", 60)
    assert await weibo.get("token") == "abc"
    assert await wechat.get("token") is None
    assert 0 < await redis.pttl("{t}:shared:weibo:token") <= 60_000


async def test_put_new_is_a_lock_and_delete_checks_the_owner(redis: Redis) -> None:
    shared = RedisShared(redis, Keys("t"), "c")
    assert await shared.put_new("lock", "me", 10)
    assert not await shared.put_new("lock", "you", 10)
    await shared.delete("lock", "you")  # not the owner: stays
    assert await shared.get("lock") == "me"
    await shared.delete("lock", "me")
    assert await shared.get("lock") is None


async def test_one_fetch_serves_every_caller_and_a_refusal_refreshes_once(redis: Redis) -> None:
    fetched: list[str] = []

    async def fetch() -> tuple[str, float]:
        await asyncio.sleep(0.01)  # a real round trip, so callers overlap
        fetched.append(f"t{len(fetched) + 1}")
        return fetched[-1], 7200.0

    # Two "processes": separate caches over the same Redis.
    a = TokenCache(RedisShared(redis, Keys("t"), "wx"), fetch)
    b = TokenCache(RedisShared(redis, Keys("t"), "wx"), fetch)
    tokens = await asyncio.gather(a.get(), b.get(), a.get(), b.get())
    assert set(tokens) == {"t1"} and fetched == ["t1"]
    # Both see the platform refuse t1: only one new token is fetched.
    refreshed = await asyncio.gather(a.refresh("t1"), b.refresh("t1"))
    assert set(refreshed) == {"t2"} and fetched == ["t1", "t2"]
    assert await b.refresh("t1") == "t2"  # a late caller with the old token: no fetch
    assert fetched == ["t1", "t2"]
    ttl = await redis.pttl("{t}:shared:wx:token")
    assert 6_800_000 < ttl <= 6_900_000  # lifetime minus the 5-minute margin


async def test_a_renewal_between_a_read_and_the_lock_is_not_fetched_again(redis: Redis) -> None:
    fetched: list[str] = []

    async def fetch() -> tuple[str, float]:
        fetched.append(f"t{len(fetched) + 1}")
        return fetched[-1], 7200.0

    a = TokenCache(RedisShared(redis, Keys("t"), "wx"), fetch)
    assert await a.get() == "t1"

    class Late(RedisShared):
        """B reads the refused token; A renews and lets go of the lock before B locks."""

        async def get(self, key: str) -> str | None:
            value = await super().get(key)
            if key == "token" and value == "t1":
                await a.refresh("t1")
            return value

    b = TokenCache(Late(redis, Keys("t"), "wx"), fetch)
    assert await b.refresh("t1") == "t2"
    assert fetched == ["t1", "t2"]  # without the check after locking: t3, and t2 is dead
