"""The session cookies' key when config names none: kept, so a restart signs nobody out.

Beside an embedded Redis it is a 0600 file in the data dir; with an external Redis it is
kept in Redis (SET NX, so every process on that Redis shares the one that won). The key is
never logged.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp_session import session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from responder.store.store import Store

FILE = "session.key"


def digest(secret: str) -> bytes:
    """The 32 bytes Fernet (via aiohttp-session) wants, from a secret of any length."""
    return hashlib.sha256(secret.encode()).digest()


def from_file(data_dir: Path) -> bytes:
    """The key kept in `data_dir` (locked by this process), made on first use."""
    path = data_dir / FILE
    try:
        secret = path.read_text("ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        secret = ""
    if not secret:  # none yet, or cut short by a crash: write whole, then rename
        secret = secrets.token_urlsafe(32)
        part = path.with_suffix(".part")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, secret.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(part, path)
    return digest(secret)


async def from_redis(store: Store) -> bytes:
    """The key every process on this Redis shares: made once (SET NX), then read back."""
    key = store.keys.session_secret
    await store.redis.set(key, secrets.token_urlsafe(32), nx=True)
    secret = await store.redis.get(key)
    if not secret:
        raise RuntimeError(f"{key} vanished right after it was set")
    return digest(str(secret))


class Sessions:
    """The session middleware, whose key may be known only once Redis is open."""

    def __init__(self, make: Callable[[bytes], EncryptedCookieStorage]) -> None:
        self._make = make
        self._inner: Callable[[web.Request, Handler], Awaitable[web.StreamResponse]] | None = None

    @property
    def keyed(self) -> bool:
        return self._inner is not None

    def use(self, key: bytes) -> None:
        self._inner = session_middleware(self._make(key))

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self._inner is None:  # HTTP is served only after the start: never in practice
            raise web.HTTPServiceUnavailable(text="会话尚未就绪")
        return await self._inner(request, handler)


SESSIONS = web.AppKey("sessions", Sessions)
