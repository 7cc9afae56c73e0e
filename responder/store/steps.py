"""The pipeline's steps in a mention's log (taken in, scored, then queued or set aside),
kept without what the mention's hash holds anyway.

Every mention's log starts with these three events, written with the hash in one step:
their times and actors repeat fields the hash keeps and no one changes (`ingested_at`,
`source`, `lag_s`, `queued_at`), at ~130 bytes a mention. The hash keeps each step
without the values equal to those fields; reading the log fills them back in, so the
events read exactly as they were written. A step also leaves out what it tells of
itself (`_implied`): the model's score when the final score is the model's, and that a
queued mention was not at risk (~35 bytes a mention).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from responder.store.records import PIPELINE, EventType

# What filling in needs of the hash: the fields no one changes once the mention is in.
FIELDS = ("ingested_at", "source", "lag_s", "queued_at")


def logged(rows: Iterable[str], fields: Mapping[str, str]) -> list[dict[str, Any]]:
    """A mention's log as written, oldest first, from the values of its fields or list
    entries (`rows`; a value holding a JSON array holds several events: the pipeline's
    steps, kept together) and its hash `fields` (those of FIELDS)."""
    out: list[dict[str, Any]] = []
    for row in rows:
        found = json.loads(row)
        for event in found if isinstance(found, list) else [found]:
            out.append(filled(event, fields))
    return out


def kept(event: Mapping[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    """What the hash keeps of one of the pipeline's steps: `event` without the values
    its hash `fields` hold (left in when they differ, so nothing is ever lost)."""
    out = dict(event)
    for name, value in _held(str(event["type"]), fields).items():
        if name in out and out[name] == value:
            del out[name]
    for name, (value, _) in _implied(event).items():
        if name in out and type(out[name]) is type(value) and out[name] == value:
            del out[name]
    return out


def filled(event: Mapping[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    """One event of a mention's log as it was written: a step `kept` gets back what its
    hash `fields` hold, in the order events have (type, at, actor, the rest)."""
    held = _held(str(event["type"]), fields)
    implied = _implied(event)
    if all(name in event for name in (*held, *implied)):  # any event but a step kept
        return dict(event)
    out: dict[str, Any] = {"type": event["type"]}
    for name in ("at", "actor", *held):
        if name in event:
            out[name] = event[name]
        elif name in held:
            out[name] = held[name]
    for name, value in event.items():
        if name not in out:
            out[name] = value
        for left, (implied_value, after) in implied.items():
            if after == name and left not in event:
                out[left] = implied_value
    for left, (implied_value, after) in implied.items():
        if after is None and left not in event:
            out[left] = implied_value
    return out


def _implied(event: Mapping[str, Any]) -> dict[str, tuple[Any, str | None]]:
    """What a step of the pipeline leaves out when it holds the usual value: name ->
    (that value, the name it follows in the event; None: it comes last). Only the
    pipeline writes these types of event (enqueue.pack)."""
    kind = event["type"]
    if kind == EventType.SCORED and "score" in event:
        return {"model_score": (event["score"], "score")}
    if kind == EventType.QUEUED:
        return {"at_risk": (False, None)}
    return {}


def _held(kind: str, fields: Mapping[str, str]) -> dict[str, Any]:
    """The values of a step of type `kind` its hash holds (none when a field is missing)."""
    try:
        if kind == EventType.INGESTED:
            return {
                "at": float(fields["ingested_at"]),
                "actor": fields["source"],
                "lag_s": float(fields["lag_s"]),
            }
        return {"at": float(fields["queued_at"]), "actor": PIPELINE}
    except (KeyError, ValueError):
        return {}
