"""Turn Weibo statuses and comments into Mentions; times and ids read exactly."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from connectors.errors import BadPayload
from connectors.model import Author, Mention, clean

PLATFORM = "weibo"
WEB = "https://m.weibo.cn"  # takes numeric ids: /detail/<status id>
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    )
}
_DAYS = frozenset(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
# "Tue Oct 07 20:42:48 +0800 2014"; written out because strptime's %a/%b follow the locale.
_CREATED = re.compile(
    r"([A-Z][a-z]{2}) ([A-Z][a-z]{2}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2})"
    r" ([+-])(\d{2})(\d{2}) (\d{4})"
)


def parse_time(text: Any) -> datetime:
    """Parse Weibo's `created_at` into an aware UTC datetime; raise ValueError if it is off."""
    match = _CREATED.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None or match[1] not in _DAYS or match[2] not in _MONTHS:
        raise ValueError(f"created_at is not like 'Tue Oct 07 20:42:48 +0800 2014': {text!r}")
    day, month, year = int(match[3]), _MONTHS[match[2]], int(match[10])
    offset = timedelta(hours=int(match[8]), minutes=int(match[9]))
    zone = timezone(-offset if match[7] == "-" else offset)
    hour, minute, second = int(match[4]), int(match[5]), int(match[6])
    return datetime(year, month, day, hour, minute, second, tzinfo=zone).astimezone(UTC)


def item_id(item: Any) -> int | None:
    """Return an item's id as an exact integer (from `idstr`, never through a float)."""
    if not isinstance(item, Mapping):
        return None
    idstr = item.get("idstr")
    if isinstance(idstr, str) and idstr.isdigit():
        return int(idstr)
    number = item.get("id")
    if isinstance(number, int) and not isinstance(number, bool) and number > 0:
        return number  # JSON integers decode exactly in Python
    return None


def author_id(item: Any) -> str | None:
    """Return the uid of whoever wrote an item, if it says."""
    number = item_id(item.get("user")) if isinstance(item, Mapping) else None
    return None if number is None else str(number)


def to_mention(item: Any, *, kind: str, account: str, brand: str = "") -> Mention:
    """Build the Mention for a status ("mention") or a comment ("comment_mention",
    "comment") received by the brand account of uid `brand`; raise BadPayload with the
    item when a field it needs is missing or off."""
    try:
        if not isinstance(item, Mapping):
            raise TypeError(f"expected an object, got {type(item).__name__}")
        own = _idstr(item)
        user = item["user"]
        if not isinstance(user, Mapping):
            raise TypeError("user must be an object")
        text = item["text"]
        if not isinstance(text, str):
            raise TypeError("text must be a string")
        replied: Any = None
        if kind == "mention":
            thread, parent, url = own, None, f"{WEB}/detail/{own}"
        else:
            status = item["status"]
            if not isinstance(status, Mapping):
                raise TypeError("status must be an object")
            thread = _idstr(status)
            replied = item.get("reply_comment")
            parent = _idstr(replied) if isinstance(replied, Mapping) else None
            url = f"{WEB}/detail/{thread}?cid={own}"
        return Mention(
            platform=PLATFORM,
            account=account,
            platform_id=own,
            kind=kind,
            thread_id=thread,
            parent_id=parent,
            author=Author(
                id=_idstr(user),
                name=clean(str(user.get("screen_name") or user.get("name") or _idstr(user))),
                followers=_count(user.get("followers_count")),
                verified=user.get("verified") is True,
                verified_type=verified_type(user),
            ),
            text=clean(text),
            reply_to=reply_to(item, kind, replied, brand),
            created_at=parse_time(item["created_at"]),
            url=url,
            raw=dict(item),
        )
    except KeyError as exc:
        raise BadPayload(f"weibo {kind}: missing field {exc.args[0]!r}", raw=dump(item)) from exc
    except (TypeError, ValueError) as exc:
        raise BadPayload(f"weibo {kind}: {exc}", raw=dump(item)) from exc


# Weibo's `verified_type` (-1 none): 0 a person (orange V), 3 media, the other blue-V
# types (government, company, campus, website, app, organisation) speak for bodies.
_MEDIA, _PERSONAL = 3, 0


def verified_type(user: Mapping[str, Any]) -> str:
    """Return what kind of verified account wrote an item ("none" when not verified)."""
    number = user.get("verified_type")
    if user.get("verified") is not True or isinstance(number, bool) or number is None:
        return "none"
    try:
        number = int(number)
    except (TypeError, ValueError):
        return "personal"  # verified, of a type we do not know
    if number < 0:
        return "none"
    return {_MEDIA: "media", _PERSONAL: "personal"}.get(number, "enterprise")


def reply_to(item: Mapping[str, Any], kind: str, replied: Any, brand: str) -> str | None:
    """Whom an item speaks to: a comment answering another user's comment speaks to that
    user; a repost that does not @ anyone in its own words, to the world; else the brand."""
    if kind == "comment" and isinstance(replied, Mapping):
        return "brand" if author_id(replied) in (brand, None) else "user"
    text = item.get("text")
    if kind == "mention" and isinstance(text, str):
        own = text.split("//@", 1)[0]
        reposted = "retweeted_status" in item or "//@" in text
        if reposted and "@" not in own:
            return None
    return "brand"


def _idstr(item: Mapping[str, Any]) -> str:
    number = item_id(item)
    if number is None:
        raise ValueError(f"no usable idstr or id: {item.get('idstr', item.get('id'))!r}")
    return str(number)


def _count(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return 0  # Weibo hides counts for some accounts; a missing count is not a broken item


def dump(data: Any) -> str:
    """The item as JSON for the rejected stream (UTF-8, bounded)."""
    return json.dumps(data, ensure_ascii=False, default=str)[:10000]
