"""Templates with `{name}` placeholders: the mention link, the reply URL and the reply body.

A body template is JSON: it is parsed once and the placeholders are filled inside its
strings, then the whole is dumped again, so no reply text (quotes, newlines, emoji) can
break the JSON. `"{thread:int}"` as a whole string becomes a JSON number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from connectors.model import clean

PLACEHOLDER = re.compile(r"\{(\w+)(?::(int))?\}")
# What a mention's link may name (its mapped fields), and what a reply may name.
LINK_NAMES = ("id", "thread", "parent", "author_id", "author_name", "kind")
REPLY_NAMES = (*LINK_NAMES, "url", "text")


class Missing(Exception):
    """A template names a value this mention does not have."""


def names(template: str) -> list[str]:
    """Return the placeholders a text template uses, in order."""
    return [match.group(1) for match in PLACEHOLDER.finditer(template)]


def body_names(body: Any) -> list[str]:
    """Return the placeholders in every string of a parsed JSON body."""
    if isinstance(body, str):
        return names(body)
    if isinstance(body, Mapping):
        return [n for key, value in body.items() for n in (*names(key), *body_names(value))]
    if isinstance(body, list):
        return [n for value in body for n in body_names(value)]
    return []


def unknown(found: list[str], allowed: tuple[str, ...]) -> str | None:
    """Return a message naming the first placeholder not in `allowed`, else None."""
    for name in found:
        if name not in allowed:
            known = ", ".join("{" + a + "}" for a in allowed)
            return f"unknown placeholder {{{name}}} (known: {known})"
    return None


def fill(template: str, values: Mapping[str, str | None], *, in_url: bool) -> str:
    """Fill a text template; values in a URL are percent-encoded. Raise Missing."""

    def one(match: re.Match[str]) -> str:
        value = _value(values, match.group(1))
        return quote(value, safe="") if in_url else value

    return PLACEHOLDER.sub(one, template)


def render_body(body: Any, values: Mapping[str, str | None]) -> bytes:
    """Fill a parsed JSON body and encode it as compact raw UTF-8 JSON. Raise Missing."""
    filled = _fill_json(body, values)
    text = json.dumps(filled, ensure_ascii=False, separators=(",", ":"))
    return clean(text).encode("utf-8")  # a lone surrogate cannot be UTF-8: U+FFFD instead


def _fill_json(node: Any, values: Mapping[str, str | None]) -> Any:
    if isinstance(node, str):
        whole = PLACEHOLDER.fullmatch(node)
        if whole and whole.group(2) == "int":
            value = _value(values, whole.group(1))
            try:
                return int(value)
            except ValueError as exc:
                raise Missing(f"{{{whole.group(1)}:int}} is not a number: {value!r}") from exc
        return fill(node, values, in_url=False)
    if isinstance(node, Mapping):
        return {fill(k, values, in_url=False): _fill_json(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill_json(v, values) for v in node]
    return node


def _value(values: Mapping[str, str | None], name: str) -> str:
    value = values.get(name)
    if value is None:
        raise Missing(f"{{{name}}} has no value for this mention")
    return value
