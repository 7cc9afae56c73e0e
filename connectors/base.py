"""The Connector interface every platform implements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from connectors.errors import BadPayload
from connectors.model import Mention


@dataclass(frozen=True, slots=True, kw_only=True)
class Batch:
    """What one fetch returned.

    `cursor` is where the next fetch starts; the caller persists it only after
    `mentions` are safely handed on. `rejected` lists items that could not be
    parsed: they are skipped (and reported), never retried forever.
    """

    mentions: tuple[Mention, ...]
    cursor: str | None
    rejected: tuple[BadPayload, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyReceipt:
    """The platform's confirmation that a reply was posted."""

    reply_id: str
    sent_at: datetime


@runtime_checkable
class Connector(Protocol):
    """Fetch mentions with a cursor and post replies; never schedule or sleep."""

    name: str

    async def start(self) -> None:
        """Open sessions and files."""

    async def stop(self) -> None:
        """Release what start() opened."""

    async def fetch(self, cursor: str | None) -> Batch:
        """Return the mentions after `cursor` (None: from the beginning)."""

    async def send_reply(self, mention: Mention, text: str) -> ReplyReceipt:
        """Post `text` as a reply to `mention`."""
