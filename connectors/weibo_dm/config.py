"""Options of a `type = "weibo_dm"` connector (Weibo fan-service developer mode)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from connectors.secret import Secret

# The docs disagree on the reply rules (PLATFORMS.md 5.4.4): 72 h once (2013), 72 h three
# times, 7 days three times (2014-05), 48 h unlimited (2014-08 on). The defaults take the
# shortest window and the smallest count, so a reply we allow is allowed by every version.
DEFAULT_WINDOW = timedelta(hours=48)
DEFAULT_QUOTA = 1
# Weibo drops the connection after 5 s and pushes again (5.2.3): answer well before that.
PUSH_DEADLINE = 5.0


@dataclass(frozen=True, slots=True, kw_only=True)
class WeiboDmConfig:
    """Where Weibo pushes private messages to us, and how we answer through the API."""

    path: str = field(metadata={"nonempty": True})  # e.g. "/hooks/weibo-dm/lanxing"
    app_secret: Secret  # AppSecret of the APPKEY bound in developer mode: signs every push
    access_token: Secret  # shown on the developer-mode page after binding; lives one year
    uid: str = field(metadata={"nonempty": True})  # the brand (blue-V) account's uid
    api_base: str = "https://m.api.weibo.com"
    reply_path: str = "/2/messages/reply.json"  # c.api.weibo.com: "/2/messages/reply/biz.json"
    format: Literal["json", "xml"] = "json"  # "xml" only if someone called eps/push/set_format
    reply_window: timedelta = DEFAULT_WINDOW  # from the fan's message
    quota: int = field(default=DEFAULT_QUOTA, metadata={"gt": 0})  # replies per fan message
    ack_timeout: timedelta = timedelta(seconds=3)  # how long a push waits for the store

    def __post_init__(self) -> None:
        problems = []
        if not self.path.startswith("/hooks/") or len(self.path) <= len("/hooks/"):
            problems.append(f'path must start with "/hooks/", got "{self.path}"')
        elif any(c in self.path for c in "?# ") or "//" in self.path:
            problems.append(f'path must be a plain URL path, got "{self.path}"')
        if not (self.uid.isascii() and self.uid.isdigit()):
            problems.append(f'uid must be the brand account\'s numeric uid, got "{self.uid}"')
        if not self.api_base.startswith(("http://", "https://")):
            problems.append(f'api_base must be an http(s) URL, got "{self.api_base}"')
        if not self.reply_path.startswith("/"):
            problems.append(f'reply_path must start with "/", got "{self.reply_path}"')
        if self.reply_window <= timedelta(0):
            problems.append("reply_window must be > 0")
        if self.quota < 1:
            problems.append(f"quota must be >= 1, got {self.quota}")
        if not timedelta(0) < self.ack_timeout < timedelta(seconds=PUSH_DEADLINE):
            problems.append(f"ack_timeout must be under {PUSH_DEADLINE:g}s (Weibo's deadline)")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def reply_url(self) -> str:
        return self.api_base.rstrip("/") + self.reply_path
