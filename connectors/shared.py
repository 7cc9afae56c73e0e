"""State several Tiexin processes share through Redis, as connectors see it: access
tokens, rate-limit waits, first-seen marks. The runtime gives each connector a `Shared`
(responder/store/shared.py implements it over Redis, keys scoped to the connector)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol


class Shared(Protocol):
    """A small key-value store with expiry, the same for every process of one deployment."""

    async def get(self, key: str) -> str | None:
        """Return the value under `key`, or None if unset or expired."""

    async def put(self, key: str, value: str, ttl: float) -> None:
        """Set `key` to `value` for `ttl` seconds."""

    async def put_new(self, key: str, value: str, ttl: float) -> bool:
        """Set `key` only if it is unset; return whether this call set it (a lock, a mark)."""

    async def delete(self, key: str, value: str | None = None) -> None:
        """Remove `key` (only if it still holds `value`, when given)."""


# A fetch returns the new token and how many seconds the platform says it lives.
FetchToken = Callable[[], Awaitable[tuple[str, float]]]


class TokenCache:
    """One access token per app for every process: whoever finds none (or a refused one)
    takes a short lock and fetches; the others wait for it and use the same token.

    `refresh(stale)` is called after the platform refused `stale` (WeChat 40001, 40014,
    42001; an expiry code): it fetches once however many callers saw the same refusal.
    """

    def __init__(
        self, shared: Shared, fetch: FetchToken, *, key: str = "token", margin: float = 300.0
    ) -> None:
        self.shared, self.fetch, self.key, self.margin = shared, fetch, key, margin

    async def get(self) -> str:
        """Return the current token, fetching one if there is none."""
        token = await self.shared.get(self.key)
        return token if token is not None else await self._renew(None)

    async def refresh(self, stale: str) -> str:
        """Return a token other than `stale`, fetching a new one unless another caller did."""
        token = await self.shared.get(self.key)
        if token is not None and token != stale:
            return token
        return await self._renew(stale)

    async def _renew(self, stale: str | None, *, tries: int = 50, pause: float = 0.1) -> str:
        lock = f"{self.key}:lock"
        for _ in range(tries):
            if await self.shared.put_new(lock, "1", 30.0):
                try:
                    current = await self.shared.get(self.key)
                    if current is not None and current != stale:
                        return current  # renewed by another caller between our read and lock
                    token, lifetime = await self.fetch()
                    await self.shared.put(self.key, token, max(lifetime - self.margin, 60.0))
                    return token
                finally:
                    await self.shared.delete(lock)
            await asyncio.sleep(pause)  # another process is fetching: use what it gets
            current = await self.shared.get(self.key)
            if current is not None and current != stale:
                return current
        token, lifetime = await self.fetch()  # the holder is stuck: fetch ourselves
        await self.shared.put(self.key, token, max(lifetime - self.margin, 60.0))
        return token
