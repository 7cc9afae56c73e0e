"""Options of a `type = "weibo"` connector."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Literal

from connectors.secret import Secret

Kind = Literal["mentions", "comment_mentions", "comments_to_me"]
KINDS: tuple[Kind, ...] = ("mentions", "comment_mentions", "comments_to_me")
MAX_COUNT = 200  # statuses/mentions takes up to 200 a page (PLATFORMS.md §1.2)


@dataclass(frozen=True, slots=True, kw_only=True)
class WeiboConfig:
    """The brand account's token and uid, the end-user IP sent with replies, and what to poll.

    Each poll costs at least one call per kind; Weibo's budget is as low as 150 calls an hour
    (or 100 a day on the current dynamic tier), so set `poll_interval` to minutes, not seconds.
    """

    access_token: Secret  # config writes access_token_env = "VARIABLE"
    # The brand account's uid: its own posts and comments are skipped.
    uid: str = field(metadata={"nonempty": True})
    # The end user's IP that comments/create and comments/reply require ("rip", §1.3).
    rip: str = field(metadata={"nonempty": True})
    api_base: str = "https://api.weibo.com/2"
    kinds: tuple[Kind, ...] = KINDS
    count: int = field(default=50, metadata={"gt": 0, "le": MAX_COUNT})  # items per page
    max_pages: int = field(default=5, metadata={"gt": 0, "le": 50})  # pages per kind per poll
    readback_pages: int = field(default=2, metadata={"gt": 0, "le": 10})  # comments/by_me pages

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not self.uid.isdigit():
            problems.append(f'uid must be the account\'s numeric uid, got "{self.uid}"')
        try:
            ipaddress.ip_address(self.rip)
        except ValueError:
            problems.append(f'rip must be an IP address such as "211.156.0.1", got "{self.rip}"')
        if not self.api_base.startswith(("http://", "https://")):
            problems.append(f'api_base must be an http(s) URL, got "{self.api_base}"')
        if not self.kinds:
            problems.append("kinds must name at least one of " + ", ".join(KINDS))
        elif len(set(self.kinds)) != len(self.kinds):
            problems.append("kinds must not repeat a kind")
        if not 0 < self.count <= MAX_COUNT:
            problems.append(f"count must be between 1 and {MAX_COUNT}, got {self.count}")
        if self.max_pages < 1 or self.readback_pages < 1:
            problems.append("max_pages and readback_pages must be at least 1")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def base(self) -> str:
        """api_base without a trailing slash."""
        return self.api_base.rstrip("/")
