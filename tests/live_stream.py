"""Reading Server-Sent Events in tests: one message at a time, with a bounded wait."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp

BOUND = 10.0  # seconds a real event may take to arrive (a bound, not a timer)


@dataclass
class Event:
    id: str | None = None
    event: str | None = None
    data: str = ""
    comments: list[str] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.data)


class Stream:
    """An open GET /api/live."""

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self.resp = resp

    async def block(self) -> Event | None:
        """The next block up to a blank line (a message or comments); None at the end."""
        event = Event()
        async with asyncio.timeout(BOUND):
            while True:
                raw = await self.resp.content.readline()
                if not raw:
                    return None
                line = raw.decode("utf-8").rstrip("\r\n")
                if not line:
                    if event.id or event.event or event.data or event.comments:
                        return event
                    continue
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if not name:
                    event.comments.append(value)
                elif name == "data":
                    event.data = f"{event.data}\n{value}" if event.data else value
                elif name in ("id", "event"):
                    setattr(event, name, value)

    async def message(self) -> Event:
        """The next message, skipping comments (pings)."""
        while True:
            block = await self.block()
            assert block is not None, "the stream ended"
            if block.event:
                return block

    async def until(self, kind: str, mid: str) -> Event:
        """The next `mention` message of type `kind` about `mid`, skipping others."""
        while True:
            message = await self.message()
            body = message.json()
            if message.event == "mention" and (body["type"], body["id"]) == (kind, mid):
                return message
