"""What a page says, what a channel promises, and the two ways a send can fail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from responder.alerts.people import Person

Severity = Literal["info", "warn", "breach", "crisis"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """One page, channel-neutral; each channel renders it in its own format.

    `key` is the idempotency key (mention, stage, cycle): the same page sent twice carries
    the same key, so a receiver that honours it (the webhook, email's Message-ID) drops the
    second copy. `to` are the people on duty: each channel names them in the text and
    @-mentions them by the handle it knows (see channels/duty.py).
    """

    key: str
    title: str  # "【即将超时】微博评论 · 粉丝 382万 · 剩 4分10秒"
    lines: tuple[str, ...] = ()  # body lines in Chinese, shown in order
    text: str = ""  # the mention's own words, quoted as received
    platform: str = ""  # "weibo"
    reach: int | None = None  # the author's followers
    left: timedelta | None = None  # time left before breach (negative once breached)
    link: str = ""  # the mention (or the filtered queue, for a group)
    ack_link: str = ""  # signed, expiring; empty for a summary that needs no ack
    severity: Severity = "warn"
    to: tuple[Person, ...] = ()  # who should act, primary first


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """A channel accepted the page: which one, when, and after how many attempts."""

    channel: str
    at: datetime
    attempts: int = 1
    detail: str = ""  # what the channel answered (a message id, "ok")


class Channel(Protocol):
    """Somewhere a page can go."""

    @property
    def name(self) -> str:
        """The channel's config name, shown in health and the audit log."""

    async def send(self, page: Page) -> Delivery:
        """Send `page`; raise Transient (try again later) or Definite (give up, fall back)."""


class ChannelError(Exception):
    """A page was not delivered. Messages never hold a secret, a token or a signed URL."""


class Transient(ChannelError):
    """Worth retrying: timed out, 5xx, rate limited (`retry_after` seconds if the channel said)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Definite(ChannelError):
    """Retrying cannot help (bad signature, unknown robot, refused address): fall back.
    `code` is the channel's error code, if any."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code
