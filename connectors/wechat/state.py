"""Per-user reply state shared by every process (PLATFORMS.md §2.4, §2.5): how many
customer-service messages went out since the user last wrote (the quota, 5 by default),
when they last wrote, and whether the window is closed (an unsubscribe, a 45015). The
push handler resets it when the user writes; send_reply reads it.

Shared has no atomic increment, so two processes sending to one user at the same instant
may both pass the check; WeChat's own 45047 is the backstop.
"""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.shared import Shared
from connectors.wechat.messages import REPLY_WINDOW

_WINDOW = REPLY_WINDOW.total_seconds()


def _sent(openid: str) -> str:
    return f"sent:{openid}"


def _closed(openid: str) -> str:
    return f"closed:{openid}"


def _last(openid: str) -> str:
    return f"last:{openid}"


class Windows:
    """Each user's reply window as far as we can tell without asking WeChat."""

    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    async def user_wrote(self, openid: str, at: datetime) -> None:
        """A new message opens a new window with a fresh quota."""
        last = await self.last_wrote(openid)
        if last is not None and at < last:  # a late retry of an older message
            return
        await self.shared.delete(_sent(openid))
        await self.shared.delete(_closed(openid))
        await self.shared.put(_last(openid), str(int(at.timestamp())), _WINDOW)

    async def last_wrote(self, openid: str) -> datetime | None:
        """When the user last wrote, if within the window."""
        value = await self.shared.get(_last(openid))
        return datetime.fromtimestamp(int(value), UTC) if value and value.isdigit() else None

    async def close(self, openid: str) -> None:
        """Close the window (an unsubscribe, or WeChat's 45015): every reply would be
        refused until the user writes again."""
        await self.shared.put(_closed(openid), "1", _WINDOW)

    async def closed(self, openid: str) -> bool:
        return await self.shared.get(_closed(openid)) is not None

    async def sent_count(self, openid: str) -> int:
        value = await self.shared.get(_sent(openid))
        return int(value) if value and value.isdigit() else 0

    async def count_sent(self, openid: str, count: int) -> None:
        """Record that `count` messages went out in the current window."""
        await self.shared.put(_sent(openid), str(count), _WINDOW)
