"""The Mention model: one post, comment or message aimed at the brand."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.errors import BadPayload

# An author's verified type, as platforms tell it ("" when a connector does not know: the
# `verified` flag is all there is).
VERIFIED_TYPES = ("none", "personal", "media", "enterprise", "brand")
# Whom a mention speaks to: the brand (addressed to it, or commenting on its post), another
# user (a comment or floor answering someone else), or None (a repost or a post talking to
# the world about the brand without addressing it).
REPLY_TO = ("brand", "user", None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Author:
    """Who wrote a mention."""

    id: str
    name: str
    followers: int = 0
    verified: bool = False
    verified_type: str = ""  # one of VERIFIED_TYPES, or "" when the platform does not say

    def __post_init__(self) -> None:
        if self.verified_type not in ("", *VERIFIED_TYPES):
            raise ValueError(
                f"verified_type must be one of {', '.join(VERIFIED_TYPES)}, "
                f"got {self.verified_type!r}"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class Mention:
    """A mention as a connector delivers it; `raw` keeps the platform payload."""

    platform: str
    account: str
    platform_id: str
    author: Author
    text: str
    created_at: datetime
    kind: str = "mention"
    thread_id: str | None = None
    parent_id: str | None = None
    url: str | None = None
    # The platform takes a reply until then (WeChat's 48 hours, Weibo's private-message
    # window); None: no limit known.
    reply_until: datetime | None = None
    reply_to: str | None = "brand"  # one of REPLY_TO
    raw: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("created_at", "reply_until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"Mention.{name} must be timezone-aware")
            if value is not None and value.utcoffset() != UTC.utcoffset(None):
                object.__setattr__(self, name, value.astimezone(UTC))
        for name in ("platform", "account", "platform_id"):
            if not getattr(self, name):
                raise ValueError(f"Mention.{name} must not be empty")
        if self.reply_to not in REPLY_TO:
            raise ValueError(f'reply_to must be "brand", "user" or null, got {self.reply_to!r}')

    @property
    def identity(self) -> tuple[str, str, str]:
        """Return what makes two deliveries the same mention."""
        return (self.platform, self.account, self.platform_id)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict in the replay/stream format."""
        return {
            "platform": self.platform,
            "account": self.account,
            "id": self.platform_id,
            "kind": self.kind,
            "thread_id": self.thread_id,
            "parent_id": self.parent_id,
            "author": {
                "id": self.author.id,
                "name": self.author.name,
                "followers": self.author.followers,
                "verified": self.author.verified,
                "verified_type": self.author.verified_type,
            },
            "text": self.text,
            "created_at": self.created_at.isoformat(),
            "url": self.url,
            "reply_until": self.reply_until.isoformat() if self.reply_until else None,
            "reply_to": self.reply_to,
            "raw": dict(self.raw),
        }

    def to_json(self) -> str:
        """Serialize for the ingest stream (UTF-8, not \\u escapes)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, raw: Mapping[str, Any] | None = None) -> Mention:
        """Build a Mention from the replay/stream format; raise BadPayload if it is off."""
        missing = [key for key in _REQUIRED if key not in data]
        if missing:
            names = ", ".join(repr(key) for key in missing)
            raise BadPayload(
                f"missing field{'s' if len(missing) > 1 else ''} {names}", raw=_dump(data)
            )
        try:
            author = data["author"]
            if not isinstance(author, Mapping):
                raise TypeError("author must be an object")
            text = data["text"]
            if not isinstance(text, str):
                raise TypeError("text must be a string")
            text = clean(text)
            return cls(
                platform=_text(data["platform"]),
                account=_text(data["account"]),
                platform_id=_text(data["id"]),
                kind=_text(data.get("kind") or "mention"),
                thread_id=_optional(data.get("thread_id")),
                parent_id=_optional(data.get("parent_id")),
                author=Author(
                    id=_text(author["id"]),
                    name=_text(author.get("name") or author["id"]),
                    followers=_count(author.get("followers")),
                    verified=bool(author.get("verified", False)),
                    verified_type=_text(author.get("verified_type") or ""),
                ),
                text=text,
                created_at=_parse_time(data["created_at"]),
                url=_optional(data.get("url")),
                reply_until=_parse_time(data["reply_until"]) if data.get("reply_until") else None,
                # Written before issue 23, a mention said nothing of it: the brand, as then.
                reply_to=data.get("reply_to", "brand"),
                raw=raw if raw is not None else data.get("raw") or {},
            )
        except KeyError as exc:
            raise BadPayload(f"missing field {exc.args[0]!r}", raw=_dump(data)) from exc
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise BadPayload(f"{type(exc).__name__}: {exc}", raw=_dump(data)) from exc

    @classmethod
    def from_json(cls, line: str | bytes) -> Mention:
        """Parse one JSON document; raise BadPayload on malformed input."""
        try:
            data = json.loads(line)
        except (ValueError, UnicodeDecodeError) as exc:
            shown = line if isinstance(line, str) else line.decode("utf-8", "replace")
            raise BadPayload(f"not valid JSON: {exc}", raw=shown) from exc
        if not isinstance(data, dict):
            raise BadPayload("a mention must be a JSON object", raw=_dump(data))
        return cls.from_dict(data)


_REQUIRED = ("platform", "account", "id", "author", "text", "created_at")
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text: str) -> str:
    """Replace lone UTF-16 surrogates (JSON allows "\\udc80") with U+FFFD: Redis, logs and
    browsers need valid UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return clean(str(value))


def _count(value: Any) -> int:
    """Read a follower count: a non-negative integer within reason."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"followers must be a number, got {type(value).__name__}")
    number = int(float(value)) if isinstance(value, float | str) else value
    if not 0 <= number < 10**12:
        raise ValueError(f"followers out of range: {value!r}")
    return number


def _optional(value: Any) -> str | None:
    return None if value is None or value == "" else _text(value)


def _parse_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError("created_at must be an ISO 8601 string")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"created_at has no UTC offset: {value!r}")
    return parsed.astimezone(UTC)


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)[:2000]
