"""Turn one JSON response into mentions, rejected items and the next cursor.

Pure functions of the response, shared by the connector and by `tiexin connectors try`
and `check-config`, so what an admin sees on a sample is what polling will do. Every
error names the config key it comes from (`fields.created_at: ...`).
"""

from __future__ import annotations

import json
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

import jmespath

from connectors.errors import BadPayload
from connectors.http_json.config import EPOCHS, HttpJsonConfig
from connectors.http_json.template import Missing, fill
from connectors.model import Author, Mention, clean

RAW_KEPT = 4096  # characters of a bad item or response kept for the rejected stream
PATH_KEYS = ("id", "text", "author_id", "author_name", "followers", "verified", "created_at")
PATH_KEYS_MORE = ("thread", "parent")
SECONDS_LIMIT = 1e11  # past this, seconds are year 5138 and milliseconds are after 1973


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """What one response held: its items (as received), what mapped, and what did not."""

    items: tuple[Any, ...]
    mentions: tuple[Mention, ...]
    rejected: tuple[BadPayload, ...]


class FieldError(BadPayload):
    """An item that does not map, with the config key (`fields.text`) that failed."""

    def __init__(self, key: str, message: str, *, raw: str) -> None:
        super().__init__(f"{key}: {message}", raw=raw)
        self.key = key
        self.detail = message


class Mapper:
    """Compiled paths of one connector's config."""

    def __init__(self, name: str, config: HttpJsonConfig) -> None:
        self.name = name
        self.config = config
        fields = config.fields
        self.zone: tzinfo = zoneinfo.ZoneInfo(fields.timezone)
        self.items = jmespath.compile(config.items)
        paths = {key: getattr(fields, key) for key in (*PATH_KEYS, *PATH_KEYS_MORE)}
        if fields.url is not None and not fields.url_is_template:
            paths["url"] = fields.url
        self.paths = {key: jmespath.compile(p) for key, p in paths.items() if p is not None}
        cursor = config.cursor
        self.next = jmespath.compile(cursor.next) if cursor and cursor.next else None
        self.max_of = jmespath.compile(cursor.max_of) if cursor and cursor.max_of else None
        self.more = jmespath.compile(cursor.more) if cursor and cursor.more else None

    def page(self, data: Any) -> Page:
        """Map a whole response; raise FieldError (a BadPayload) if it has no list where
        `items` points."""
        found = self.items.search(data)
        if not isinstance(found, list):
            raise FieldError(
                "items",
                f'"{self.config.items}" is not a list in the response (got {_kind(found)})',
                raw=_dump(data),
            )
        mentions: list[Mention] = []
        rejected: list[BadPayload] = []
        for index, item in enumerate(found):
            try:
                mentions.append(self.mention(item))
            except BadPayload as exc:
                rejected.append(BadPayload(f"item {index}: {exc}", raw=exc.raw))
        return Page(items=tuple(found), mentions=tuple(mentions), rejected=tuple(rejected))

    def mention(self, item: Any) -> Mention:
        """Map one item; raise FieldError naming the field key that failed."""
        if not isinstance(item, dict):
            raise FieldError("items", f"expected an object, got {_kind(item)}", raw=_dump(item))
        fields = self.config.fields
        key = "id"
        try:
            platform_id = self._text(item, "id")
            key = "text"
            text = self._value(item, "text", required=True)
            if not isinstance(text, str):
                raise TypeError(f"expected a string, got {_kind(text)}")
            key = "author_id"
            author_id = self._text(item, "author_id")
            key = "author_name"
            author_name = self._text(item, "author_name", required=False) or author_id
            key = "followers"
            followers = _count(self._value(item, "followers"))
            key = "verified"
            verified = _flag(self._value(item, "verified"))
            key = "created_at"
            created_at = self.time(self._value(item, "created_at", required=True))
            key = "thread"
            thread = self._text(item, "thread", required=False)
            key = "parent"
            parent = self._text(item, "parent", required=False)
            key = "url"
            values = {
                "id": platform_id,
                "thread": thread,
                "parent": parent,
                "author_id": author_id,
                "author_name": author_name,
                "kind": fields.kind,
            }
            if fields.url_is_template:
                assert fields.url is not None
                url: str | None = fill(fields.url, values, in_url=True)
            else:
                url = self._text(item, "url", required=False)
            return Mention(
                platform=self.config.platform,
                account=self.name,
                platform_id=platform_id,
                author=Author(
                    id=author_id, name=author_name, followers=followers, verified=verified
                ),
                text=clean(text),
                created_at=created_at,
                kind=fields.kind,
                thread_id=thread,
                parent_id=parent,
                url=url,
                raw=item,
            )
        except (TypeError, ValueError, ArithmeticError, OSError, Missing) as exc:
            raise FieldError(f"fields.{key}", str(exc), raw=_dump(item)) from exc

    def time(self, value: Any) -> datetime:
        """Read a time in the configured format; a time without a zone is in `timezone`."""
        fmt = self.config.fields.time_format
        if fmt in EPOCHS:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise TypeError(f"expected {fmt} as a number, got {_kind(value)}")
            number = float(value)
            if fmt == "epoch" and number > SECONDS_LIMIT:
                raise ValueError(f'{value!r} looks like milliseconds: set time_format = "epoch_ms"')
            if fmt == "epoch_ms" and 0 < number < SECONDS_LIMIT:  # before 1973 in ms
                raise ValueError(f'{value!r} looks like seconds: set time_format = "epoch"')
            return datetime.fromtimestamp(number / 1000 if fmt == "epoch_ms" else number, UTC)
        if not isinstance(value, str):
            raise TypeError(f"expected a time string, got {_kind(value)}")
        # A strptime format without %z gives a naive time: the zone is set below.
        iso = fmt == "iso"
        parsed = datetime.fromisoformat(value) if iso else datetime.strptime(value, fmt)  # noqa: DTZ007
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.zone)
        return parsed.astimezone(UTC)

    def next_cursor(self, data: Any, items: tuple[Any, ...], cursor: str | None) -> str | None:
        """Return where the next page starts: the response's `next`, or the largest `max_of`
        of the items and the current cursor; None if the response names none."""
        if self.next is not None:
            return _cursor_text(self.next.search(data))
        if self.max_of is None:
            return None
        values = [_cursor_text(self.max_of.search(i)) for i in items if isinstance(i, dict)]
        known = [v for v in (*values, cursor) if v is not None]
        if not known:
            return None
        numeric = all(v.lstrip("-").isdigit() for v in known)
        return max(known, key=int) if numeric else max(known)

    def has_more(self, data: Any) -> bool:
        """False when the response says there is no further page (`cursor.more`)."""
        return self.more is None or bool(self.more.search(data))

    def _value(self, item: dict[str, Any], key: str, *, required: bool = False) -> Any:
        path = self.paths.get(key)
        value = path.search(item) if path is not None else None
        if required and value is None:
            raise ValueError(f'"{getattr(self.config.fields, key)}" found nothing in the item')
        return value

    def _text(self, item: dict[str, Any], key: str, *, required: bool = True) -> Any:
        value = self._value(item, key, required=required)
        if value is None or (value == "" and not required):
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise TypeError(f"expected a string or an integer, got {_kind(value)}")
        text = clean(str(value))
        if not text:
            raise ValueError("is empty")
        return text


def _cursor_text(value: Any) -> str | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value) if isinstance(value, str | int | float) else None


def _count(value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"expected a number, got {_kind(value)}")
    number = int(float(value))
    if not 0 <= number < 10**12:
        raise ValueError(f"out of range: {value!r}")
    return number


def _flag(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool) or value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", ""):
        return value.lower() in ("true", "1")
    raise TypeError(f"expected true or false, got {_kind(value)}")


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false"}
    shown = json.dumps(value, ensure_ascii=False)[:40]
    return f"{names.get(type(value), 'a number')} {shown}"


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)[:RAW_KEPT]
