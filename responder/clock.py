"""One injectable clock: wall time for timestamps, monotonic for intervals."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """What every time-dependent part of Tiexin takes instead of calling time itself."""

    def now(self) -> datetime:
        """Return the current time, aware and in UTC."""

    def monotonic(self) -> float:
        """Return seconds from an arbitrary fixed point."""

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds`."""


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def sleep_or_stop(clock: Clock, seconds: float, stop: asyncio.Event) -> bool:
    """Sleep `seconds` on `clock` unless `stop` is set first; return True if it was."""
    if stop.is_set():
        return True
    if seconds <= 0:
        return False
    sleeper = asyncio.ensure_future(clock.sleep(seconds))
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((sleeper, stopper), return_when=asyncio.FIRST_COMPLETED)
    finally:
        # Cancel both so a stop never leaves a sleeper behind (and vice versa).
        for waiter in (sleeper, stopper):
            waiter.cancel()
        await asyncio.gather(sleeper, stopper, return_exceptions=True)
    return stop.is_set()


def from_epoch(seconds: float) -> datetime:
    """Return an aware UTC datetime for POSIX seconds."""
    return datetime.fromtimestamp(seconds, UTC)
