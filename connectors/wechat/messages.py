"""Pushed XML in, Mentions out (PLATFORMS.md §2.2). The XML is untrusted: defusedxml with
DTDs forbidden, so neither external entities nor entity bombs get anywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree.ElementTree import Element

from connectors.model import Author, Mention
from connectors.wechat.crypto import PushError
from connectors.xmlpush import NotXml, xml_root

# The customer-service API takes replies for 48 hours after the user writes (§2.5).
REPLY_WINDOW = timedelta(hours=48)

# What an agent sees for messages that carry no text; the payload stays in `raw`.
PLACEHOLDERS = {
    "image": "[图片]",
    "voice": "[语音]",
    "video": "[视频]",
    "shortvideo": "[小视频]",
    "location": "[位置]",
    "link": "[链接]",
    "file": "[文件]",
}


def parse(body: bytes | str) -> dict[str, Any]:
    """Return the children of `<xml>` as a dict (nested elements as dicts)."""
    try:
        return _fields(xml_root(body))
    except NotXml as exc:
        raise PushError(str(exc)) from exc


def _fields(element: Element) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in element:
        out[child.tag] = _fields(child) if len(child) else (child.text or "")
    return out


def to_mention(fields: dict[str, Any], account: str) -> Mention | None:
    """Return the Mention a user message is, or None for an event (not something to reply
    to: a subscribe, a menu click, a QR scan)."""
    if fields.get("MsgType") == "event":
        return None
    openid, created_at = sender(fields)
    msg_type = _text(fields, "MsgType") or "unknown"
    msg_id = _text(fields, "MsgId").strip()
    return Mention(
        platform="wechat",
        account=account,
        # §2.4: dedupe by MsgId; what has none, by FromUserName + CreateTime.
        platform_id=msg_id or f"{openid}:{int(created_at.timestamp())}",
        kind="message",
        author=Author(id=openid, name=openid),
        text=_describe(msg_type, fields),
        created_at=created_at,
        thread_id=openid,
        reply_until=created_at + REPLY_WINDOW,
        raw=fields,
    )


def sender(fields: dict[str, Any]) -> tuple[str, datetime]:
    """Return who sent a push (the OpenID) and when; raise PushError if either is missing."""
    openid = _text(fields, "FromUserName")
    if not openid:
        raise PushError("push has no FromUserName")
    stamp = _text(fields, "CreateTime").strip()
    if not stamp.isdigit():
        raise PushError(f"CreateTime is not unix seconds: {stamp[:20]!r}")
    return openid, datetime.fromtimestamp(int(stamp), UTC)


def event_name(fields: dict[str, Any]) -> str:
    """Return the event of an event push, lower-cased ("subscribe", "unsubscribe", "click")."""
    return _text(fields, "Event").lower()


def _describe(msg_type: str, fields: dict[str, Any]) -> str:
    if msg_type == "text":
        return _text(fields, "Content")
    label = PLACEHOLDERS.get(msg_type, f"[{msg_type}]")
    extra = {
        "voice": _text(fields, "Recognition"),  # speech-to-text, when the account has it on
        "location": _text(fields, "Label"),
        "link": " ".join(p for p in (_text(fields, "Title"), _text(fields, "Url")) if p),
    }.get(msg_type, "")
    return f"{label} {extra}" if extra else label


def _text(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    return value if isinstance(value, str) else ""
