"""The connector's cursor: per kind, the newest id handed on and the gaps still to read.

Stored as one JSON string (the poller persists it atomically with the mentions), e.g.
`{"v":1,"kinds":{"mentions":{"since":"5003","gaps":[["4000","4999"]]}}}`. A gap
`[low, high]` is what a poll had no pages left for: ids with low < id <= high, read on later
polls with since_id=low and max_id=high (max_id is inclusive). Ids are decimal strings: they
exceed 2^53 and must never pass through a float.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from connectors.errors import BadPayload

VERSION = 1


@dataclass(slots=True)
class KindState:
    """Where one endpoint stands."""

    since: int  # every id <= since was seen, except those inside gaps
    gaps: list[tuple[int, int]] = field(default_factory=list)  # (low, high], newest first


def load(cursor: str | None) -> dict[str, KindState] | None:
    """Read a cursor; None for the first run ever. Raise BadPayload if it is not ours."""
    if cursor is None:
        return None
    try:
        data = json.loads(cursor)
        if not isinstance(data, dict) or data.get("v") != VERSION:
            raise ValueError("not a version 1 weibo cursor")
        kinds = data["kinds"]
        if not isinstance(kinds, dict):
            raise ValueError("kinds must be an object")
        return {name: _kind(body) for name, body in kinds.items()}
    except (ValueError, KeyError, TypeError) as exc:
        raise BadPayload(f"weibo cursor is malformed: {exc}", raw=cursor[:2000]) from exc


def dump(states: dict[str, KindState]) -> str:
    """Write a cursor (ids as strings)."""
    kinds = {
        name: {"since": str(s.since), "gaps": [[str(lo), str(hi)] for lo, hi in s.gaps]}
        for name, s in sorted(states.items())
    }
    return json.dumps({"v": VERSION, "kinds": kinds}, separators=(",", ":"))


def _kind(body: Any) -> KindState:
    if not isinstance(body, dict):
        raise ValueError("a kind's state must be an object")
    gaps = [(_id(lo), _id(hi)) for lo, hi in body.get("gaps", [])]
    if any(lo >= hi for lo, hi in gaps):
        raise ValueError(f"empty gap in {gaps}")
    return KindState(since=_id(body["since"]), gaps=gaps)


def _id(value: Any) -> int:
    if not isinstance(value, str) or not value.isdigit():
        raise ValueError(f"an id must be a decimal string, got {value!r}")
    return int(value)
