"""Input rules for the API: a small schema per route, checked before any Redis call."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from aiohttp import web

# keys.mention_id is a blake2b digest of 8 bytes in hex; anything else could name other keys.
MENTION_ID = re.compile(r"[0-9a-f]{16}")
# Letters that render as nothing, used to fake a non-empty text (not in category Cf).
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
INVISIBLE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


class ApiError(Exception):
    """A request the API refuses, with its status and the field at fault (if one is)."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        status: int = 400,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status
        self.details = details or {}

    def body(self) -> dict[str, Any]:
        """Return the JSON error body."""
        body: dict[str, Any] = {"error": self.message, **self.details}
        if self.field is not None:
            body["field"] = self.field
        return body


@dataclass(frozen=True, slots=True, kw_only=True)
class Field:
    """One field of a request and its rules: a string unless `kind` says int or bool."""

    name: str
    max_length: int = 0
    kind: type = str  # str, int (from `low` to `high`), bool, or dict (a JSON object
    # the handler reads further)
    low: int = 0
    high: int = 0
    required: bool = False
    visible: bool = False  # must show something once whitespace and invisible marks go
    one_line: bool = False  # no control characters: a name, not prose
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Body:
    """The fields a route's JSON object body may have; `optional` allows no body at all."""

    fields: tuple[Field, ...]
    optional: bool = False


async def read_body(request: web.Request, schema: Body) -> dict[str, Any]:
    """Return the body's fields, each checked against `schema`; raise ApiError otherwise."""
    raw = await request.read()  # over client_max_size: aiohttp raises 413 here
    if schema.optional and not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except RecursionError as exc:
        raise ApiError("body is nested too deeply") from exc
    except ValueError as exc:  # UnicodeDecodeError is a ValueError too
        raise ApiError(f"body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ApiError("body must be a JSON object")
    known = {field.name: field for field in schema.fields}
    for name in data:
        if name not in known:
            raise ApiError(f'unknown field "{name[:64]}"', field=name[:64])
    for field in schema.fields:
        if field.required and field.name not in data:
            raise ApiError(f'body must have a non-empty "{field.name}"', field=field.name)
    return {name: check(known[name], value) for name, value in data.items()}


def check(field: Field, value: Any, source: str | None = None) -> Any:
    """Return `value` if it keeps `field`'s rules; raise ApiError otherwise."""
    name = source or field.name
    if field.kind is bool:
        if not isinstance(value, bool):
            raise ApiError(f'"{name}" must be true or false', field=name)
        return value
    if field.kind is dict:
        if not isinstance(value, dict):
            raise ApiError(f'"{name}" must be a JSON object', field=name)
        return value
    if field.kind is int:
        # JSON true is an int to Python, and 1.0 is not a draft number.
        if isinstance(value, bool) or not isinstance(value, int):
            raise ApiError(f'"{name}" must be an integer', field=name)
        if not field.low <= value <= field.high:
            raise ApiError(f'"{name}" must be from {field.low} to {field.high}', field=name)
        return value
    if field.choices:
        if not isinstance(value, str) or value not in field.choices:
            allowed = ", ".join(f'"{choice}"' for choice in field.choices)
            raise ApiError(f'"{name}" must be one of {allowed}', field=name)
        return value
    if not isinstance(value, str):
        raise ApiError(f'"{name}" must be a string', field=name)
    if not _encodable(value):
        # A header's bad bytes arrive as lone surrogates too (aiohttp's surrogateescape).
        rule = "valid UTF-8" if source else "valid Unicode (no lone surrogates)"
        raise ApiError(f'"{name}" must be {rule}', field=name)
    if len(value) > field.max_length:
        raise ApiError(
            f'"{name}" is {len(value)} characters; the limit is {field.max_length}', field=name
        )
    if field.one_line and any(unicodedata.category(c) == "Cc" for c in value):
        raise ApiError(f'"{name}" must not contain control characters', field=name)
    if field.visible and not any(_shows(c) for c in value):
        raise ApiError(f'"{name}" must have a visible character', field=name)
    return value


def mention_id(request: web.Request) -> str:
    """Return the path's mention id, refusing one that is not in our id format."""
    mid = request.match_info["id"]
    if not MENTION_ID.fullmatch(mid):
        raise ApiError(
            "not a mention id: ids are 16 lowercase hex characters", field="id", status=404
        )
    return mid


def int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    """Return query parameter `name` as an int from `low` to `high`, or `default` if absent."""
    value = request.query.get(name)
    if value is None:
        return default
    # str.isdigit accepts "²" and other scripts' digits, which int() then refuses.
    if not (value.isascii() and value.isdigit() and len(value) <= len(str(high))):
        raise ApiError(f"{name} must be an integer from {low} to {high}", field=name)
    number = int(value)
    if not low <= number <= high:
        raise ApiError(f"{name} must be an integer from {low} to {high}", field=name)
    return number


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shows(char: str) -> bool:
    return not (char.isspace() or unicodedata.category(char) in INVISIBLE or char in BLANK_LETTERS)
