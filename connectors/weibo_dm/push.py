"""What Weibo pushes (PLATFORMS.md 5.1, 5.2): the signature, and JSON or XML bodies read
into one shape. Pure functions, so the handler stays thin and the tests exact."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.model import Author, Mention, clean
from connectors.xmlpush import NotXml, xml_root

# Ordinary messages (5.2.1) become mentions; anything else in this list is handled
# without one; types not listed are ignored, as the docs require.
MESSAGES = {"text": "", "position": "位置", "voice": "语音", "image": "图片"}
KNOWN = {*MESSAGES, "event", "mention"}
_TIME = "%a %b %d %H:%M:%S %z %Y"  # "Mon Jul 16 18:09:20 +0800 2012"
# XML mode (5.2.5): these elements carry the JSON envelope; the rest go to `data`.
_ENVELOPE = {"ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId"}


class Malformed(ValueError):
    """The body is not a push we can read; the message says why (never the secret)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Push:
    """One pushed item, whatever the wire format."""

    type: str
    sender: str  # the fan
    receiver: str  # the brand account
    created_at: datetime
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)
    msg_id: str = ""  # none in JSON mode; documented empty in XML mode
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def subtype(self) -> str:
        return str(self.data.get("subtype", "")).lower()

    @property
    def identity(self) -> str:
        """A stable id: the docs say there is no message id and to dedupe on sender +
        time; a hash of the content keeps two messages of one second apart."""
        if self.msg_id:
            return self.msg_id
        content = json.dumps(
            [self.type, self.text, self.data], ensure_ascii=False, sort_keys=True, default=str
        )
        digest = hashlib.sha1(content.encode()).hexdigest()[:12]
        return f"{self.sender}-{int(self.created_at.timestamp())}-{digest}"

    def to_mention(self, account: str, window: timedelta) -> Mention:
        """Return the mention of an ordinary message (5.2.1)."""
        label = MESSAGES[self.type]
        text = f"[{label}] {self.text}".rstrip() if label else self.text
        return Mention(
            platform="weibo",
            account=account,
            platform_id=self.identity,
            kind="dm",
            author=Author(id=self.sender, name=self.sender),
            text=text,
            created_at=self.created_at,
            thread_id=self.sender,
            reply_until=self.created_at + window,
            raw=self.raw,
        )


def signature(secret: str, timestamp: str, nonce: str) -> str:
    """sha1 of the sorted, joined secret, timestamp and nonce, in lowercase hex (5.1)."""
    return hashlib.sha1("".join(sorted([secret, timestamp, nonce])).encode()).hexdigest()


def signed(secret: str, query: Mapping[str, str]) -> bool:
    """Whether the query's signature matches, compared in constant time. No freshness
    check: Weibo's timestamp is in milliseconds and retries may reuse it (5.5)."""
    given = query.get("signature", "")
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    if not (given and timestamp and nonce):
        return False
    return hmac.compare_digest(signature(secret, timestamp, nonce), given.lower())


def read_json(body: bytes) -> Push:
    """Read a JSON-mode push (the default format)."""
    try:
        raw = _scrub(json.loads(body.decode("utf-8")))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Malformed(f"body is not UTF-8 JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise Malformed("body is not a JSON object")
    data = raw.get("data") or {}
    if isinstance(data, str):  # the docs' table says "string"; every example an object
        try:
            data = _scrub(json.loads(data))
        except ValueError:
            data = {"value": data}
    if not isinstance(data, dict):
        raise Malformed("data is not an object")
    created = raw.get("created_at")
    if not isinstance(created, str):
        raise Malformed("created_at is missing or not a string")
    try:
        when = datetime.strptime(created, _TIME).astimezone(UTC)
    except ValueError as exc:
        raise Malformed(f"created_at is not like 'Mon Jul 16 18:09:20 +0800 2012': {exc}") from exc
    return Push(
        type=_text(raw, "type"),
        sender=_uid(raw, "sender_id"),
        receiver=_uid(raw, "receiver_id"),
        created_at=when,
        text=text if isinstance(text := raw.get("text"), str) else "",
        data=data,
        raw=raw,
    )


def read_xml(body: bytes) -> Push:
    """Read a WeChat-compatible XML push (5.2.5). defusedxml refuses any DTD, so neither
    entity bombs nor external entities are expanded."""
    try:
        root = xml_root(body)
    except NotXml as exc:
        raise Malformed(str(exc)) from exc
    raw = {child.tag: clean(child.text or "").strip() for child in root}
    try:
        stamp = int(raw.get("CreateTime", ""))
    except ValueError as exc:
        raise Malformed("CreateTime is missing or not a number") from exc
    if stamp > 10**11:  # milliseconds, as in the signature's timestamp
        stamp //= 1000
    data: dict[str, Any] = {k: v for k, v in raw.items() if k not in _ENVELOPE}
    if "Event" in data:
        data["subtype"] = data["Event"].lower()
    if "MediaId" in data:
        data["tovfid"] = data["MediaId"]
    return Push(
        type=_text(raw, "MsgType").lower(),
        sender=_uid(raw, "FromUserName"),
        receiver=_uid(raw, "ToUserName"),
        created_at=datetime.fromtimestamp(stamp, UTC),
        text=raw.get("Content", ""),
        data=data,
        msg_id=raw.get("MsgId", ""),
        raw=raw,
    )


def _scrub(value: Any) -> Any:
    """Replace lone surrogates ("\\udc80" is valid JSON) everywhere, `raw` included:
    Redis and the browser need valid UTF-8."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    if isinstance(value, dict):
        return {clean(key): _scrub(item) for key, item in value.items()}
    return value


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise Malformed(f"{key} is missing or not a string")
    return value


def _uid(raw: Mapping[str, Any], key: str) -> str:
    """A uid as a decimal string: int64 in JSON, sometimes a string (never a float)."""
    value = raw.get(key)
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not (text.isascii() and text.isdigit()):
        raise Malformed(f"{key} is missing or not a numeric uid")
    return text
