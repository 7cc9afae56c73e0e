"""Reloading: validate a config file, store it as the next version in Redis (every process
is told), and write the reload with its masked diff in the audit log."""

from __future__ import annotations

import asyncio
import json
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from responder.config import Config, ConfigError
from responder.reload import published
from responder.reload.masking import diff, summary
from responder.reload.validate import check_drafts, check_text, settle
from responder.store.records import EventType, event
from responder.store.store import Store


@dataclass(frozen=True, slots=True)
class Reloaded:
    version: int
    changes: list[dict[str, Any]]
    notes: list[str]  # what changed that only a restart applies


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [f"cannot read the file: {exc}"]) from exc


def check_file(path: Path) -> tuple[str, Config]:
    """The file's text and config, checked as a start would (templates rendered)."""
    text = read_text(path)
    config = check_text(text, base_dir=path.resolve().parent, source=str(path))
    check_drafts(config)
    return text, config


def _document(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


async def reload_file(store: Store, path: Path, *, by: str, now: datetime) -> Reloaded:
    """Validate `path` (every problem at once, templates rendered), then store and announce
    it; raise ConfigError and store nothing when it is invalid."""
    text, config = await asyncio.to_thread(check_file, path)
    before = await published.read(store.redis, store.keys)
    old_text = before.text if before is not None else ""
    _, notes = settle(_running(before, path, config), config)
    changes = diff_texts(old_text, text)
    version, _ = await published.store(store.redis, store.keys, text, by=by, at=now, always=True)
    await audit(store, by, now, version, changes)
    return Reloaded(version=version, changes=changes, notes=notes)


def diff_texts(before: str, after: str) -> list[dict[str, Any]]:
    return diff(_document(before), _document(after))


def _running(before: published.Published | None, path: Path, fallback: Config) -> Config:
    """The config stored last, as the processes run it (for the restart-only notes)."""
    if before is None:
        return fallback
    try:
        return check_text(before.text, base_dir=path.resolve().parent, source="redis")
    except ConfigError:
        return fallback


async def audit(
    store: Store, by: str, now: datetime, version: int, changes: list[dict[str, Any]]
) -> None:
    """One entry in the global event stream, as the audit log reads it."""
    record = event(
        EventType.CONFIG_RELOADED,
        now,
        by,
        version=version,
        summary=summary(changes),
        diff=changes,
    )
    fields: dict[Any, Any] = {"mention": "", "event": json.dumps(record, ensure_ascii=False)}
    await store.redis.xadd(
        store.keys.events, fields, maxlen=store.retention.events, approximate=True
    )
