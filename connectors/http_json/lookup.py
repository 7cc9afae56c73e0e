"""Finding a reply we already posted (`[reply.lookup]`): after a send whose outcome is
unknown, the outbox asks before posting again.

A reply matches when its text equals the text we sent (surrounding whitespace aside)
and, with `parent`, what it answers is the mention's id. Anything unexpected in the
answer is an error, never "not there": the caller must not read it as "not sent".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jmespath

from connectors.errors import BadPayload, Unavailable
from connectors.http_json.config import LookupConfig
from connectors.http_json.template import Missing, fill, render_body

KEPT = 500  # characters of an odd answer kept in the error


class Lookup:
    """The compiled `[reply.lookup]` of one connector."""

    def __init__(self, name: str, config: LookupConfig) -> None:
        self.name, self.config = name, config
        self._items = jmespath.compile(config.items)
        self._text = jmespath.compile(config.text)
        self._id = jmespath.compile(config.id)
        self._parent = jmespath.compile(config.parent) if config.parent else None

    def request(self, values: Mapping[str, str | None]) -> tuple[str, bytes | None]:
        """Return the URL and (for POST) the body of the look-up for one mention."""
        try:
            url = fill(self.config.url, values, in_url=True)
            body = None
            if self.config.method == "POST":
                body = render_body(self.config.parsed_body(), values)
        except Missing as exc:
            raise Unavailable(f"{self.name}: cannot build the reply look-up: {exc}") from exc
        return url, body

    def find(self, data: Any, text: str, parent: str) -> str | None:
        """Return the id of the reply in `data` with `text` (to `parent`), or None if the
        list holds none; raise BadPayload if the answer has no list where `items` says."""
        items = self._items.search(data)
        if not isinstance(items, list):
            raw = json.dumps(data, ensure_ascii=False)[:KEPT]
            raise BadPayload(
                f"{self.name}: no list at {self.config.items} in the reply look-up", raw=raw
            )
        wanted = text.strip()
        for item in items:
            posted = self._text.search(item)
            if not isinstance(posted, str) or posted.strip() != wanted:
                continue
            if self._parent is not None and _plain(self._parent.search(item)) != parent:
                continue
            found = self._id.search(item)
            return "" if found is None else _plain(found)
        return None


def _plain(value: Any) -> str:
    """A JSON scalar as text (ids come as numbers or strings)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
