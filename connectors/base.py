"""The Connector interface every platform implements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from aiohttp import web

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


# Hands pushed mentions to the ingest stream; returns once they are stored, raises if not.
Deliver = Callable[[Sequence[Mention]], Awaitable[None]]


@runtime_checkable
class Connector(Protocol):
    """A pull connector: fetch mentions with a cursor and post replies; never schedule or
    sleep. `send_reply` raises Refused for a definite refusal (never retried), PostByHand
    where a person must post, and the other typed errors for what may pass."""

    name: str

    async def start(self) -> None:
        """Open sessions and files."""

    async def stop(self) -> None:
        """Release what start() opened."""

    async def fetch(self, cursor: str | None) -> Batch:
        """Return the mentions after `cursor` (None: from the beginning)."""

    async def send_reply(self, mention: Mention, text: str) -> ReplyReceipt:
        """Post `text` as a reply to `mention`."""


@runtime_checkable
class PushConnector(Protocol):
    """A push connector: the platform calls us. The web app mounts `handle` at `path` for
    every method; it verifies and decodes the request, hands the mentions to `deliver` and
    answers the platform at once (within its deadline, whatever happens downstream)."""

    name: str
    path: str

    async def start(self) -> None:
        """Open sessions and files."""

    async def stop(self) -> None:
        """Release what start() opened."""

    async def handle(self, request: web.Request, deliver: Deliver) -> web.StreamResponse:
        """Answer one request from the platform."""

    async def send_reply(self, mention: Mention, text: str) -> ReplyReceipt:
        """Post `text` as a reply to `mention` (the same errors as Connector.send_reply)."""
