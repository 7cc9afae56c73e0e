"""HTTP for connectors: one shared aiohttp session per process, and one place that turns
transport failures into the typed errors (platform error codes are each connector's)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp

from connectors.errors import BadPayload, RateLimited, TimedOut, Unavailable

MAX_BODY = 8 * 1024 * 1024  # a platform page is far smaller; more is an error page or worse
RAW_KEPT = 4096  # characters of a bad body kept for the dead-letter stream
DEFAULT_RETRY_AFTER = 60.0  # seconds to wait after a 429 that does not say how long


@dataclass(frozen=True, slots=True)
class Reply:
    """A platform's answer: status, decoded JSON (None if none), the raw text and the
    headers (Retry-After, for one)."""

    status: int
    data: Any
    text: str
    headers: Mapping[str, str] = field(default_factory=dict)


class Http:
    """The process's one ClientSession (connection pooling, timeouts), shared by every
    connector; started and stopped by whoever runs the connectors."""

    def __init__(self, *, total: float = 20.0, connect: float = 5.0) -> None:
        self.timeout = aiohttp.ClientTimeout(total=total, connect=connect)
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=self.timeout, headers={"User-Agent": "tiexin"}
            )

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send one request; return the reply whatever its status, with its JSON decoded.

        Raise Unavailable when there is no usable answer: a timeout, a dropped or refused
        connection, an empty body, a 5xx without JSON, or an HTML error page; RateLimited
        (honouring Retry-After) for a 429 without JSON. Raise BadPayload (with the raw body)
        when a 2xx answer is not JSON.
        """
        if self._session is None:
            await self.start()
        assert self._session is not None
        try:
            async with self._session.request(
                method, url, params=params, data=form if form is not None else body, headers=headers
            ) as resp:
                raw = await resp.content.read(MAX_BODY + 1)
                status = resp.status
                got = {k.title(): v for k, v in resp.headers.items()}  # last of a repeated one
        except TimeoutError as exc:
            raise TimedOut(f"{method} {_where(url)}: timed out") from exc
        except aiohttp.ClientError as exc:
            raise Unavailable(f"{method} {_where(url)}: {type(exc).__name__}: {exc}") from exc
        if len(raw) > MAX_BODY:
            raise Unavailable(f"{method} {_where(url)}: answer over {MAX_BODY} bytes")
        text = raw.decode("utf-8", errors="replace")
        if not text.strip():
            raise Unavailable(f"{method} {_where(url)}: HTTP {status} with an empty body")
        try:
            data = json.loads(text)
        except ValueError as exc:
            if status == 429:
                wait = retry_after(got.get("Retry-After"), datetime.now(UTC))
                raise RateLimited(f"{method} {_where(url)}: HTTP 429", retry_after=wait) from exc
            if status >= 500 or status == 408 or text.lstrip().startswith("<"):
                raise Unavailable(f"{method} {_where(url)}: HTTP {status}, not JSON") from exc
            raise BadPayload(
                f"{method} {_where(url)}: HTTP {status}, body is not JSON: {exc}",
                raw=text[:RAW_KEPT],
            ) from exc
        return Reply(status=status, data=data, text=text, headers=got)


def retry_after(value: str | None, now: datetime) -> float:
    """Read a Retry-After header: seconds or an HTTP date; DEFAULT_RETRY_AFTER if absent or
    unreadable, never negative."""
    if not value:
        return DEFAULT_RETRY_AFTER
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    if when.tzinfo is None:  # an HTTP date is GMT by definition
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _where(url: str) -> str:
    """The URL without its query (which may hold a token)."""
    return url.split("?", 1)[0]
