"""What a config shows an admin and the audit log: plain JSON values, secrets masked, and
the difference between two configs path by path."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import timedelta
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from connectors.secret import Secret
from responder.schema import format_duration

MASK = "***"
# Key names whose values are masked (config holds env-var names, masked all the same).
_SECRET_KEY = re.compile(r"(secret|token|password|passwd|api_key|apikey)", re.IGNORECASE)


def secret_key(name: str) -> bool:
    return bool(_SECRET_KEY.search(name))


def mask_url(value: str) -> str:
    """A URL with its userinfo masked (redis://:pw@host/0 → redis://***@host/0)."""
    if "://" not in value or "@" not in value:
        return value
    try:
        parts = urlsplit(value)
    except ValueError:
        return MASK
    if parts.username is None and parts.password is None:
        return value
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{MASK}@{host}"))


def masked(value: Any, key: str = "") -> Any:
    """`value` as plain JSON, with the values of secret-looking keys and URL userinfo
    masked."""
    if key and secret_key(key) and value not in (None, "", [], {}):
        return MASK
    if isinstance(value, Secret):
        return MASK
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: masked(getattr(value, f.name), f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): masked(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [masked(v) for v in value]
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, str):
        return mask_url(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Leaves of a TOML document by dotted path; a list of tables with names is keyed by
    name (users.ada.role), so a diff names the user, not an index."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{path}.{k}" if path else str(k)))
        return out or {path: {}}
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        named = all("name" in v for v in value) and len({v["name"] for v in value}) == len(value)
        out = {}
        for i, v in enumerate(value):
            out.update(flatten(v, f"{path}.{v['name']}" if named else f"{path}[{i}]"))
        return out
    return {path: value}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What changed from one TOML document to the other, path by path, masked: each item
    has `path` and `before` and/or `after` (missing: the key was added or removed)."""
    old, new = flatten(before), flatten(after)
    changes: list[dict[str, Any]] = []
    for path in sorted(old.keys() | new.keys()):
        if path in old and path in new and old[path] == new[path]:
            continue
        leaf = path.rsplit(".", 1)[-1]
        item: dict[str, Any] = {"path": path}
        if path in old:
            item["before"] = masked(old[path], leaf)
        if path in new:
            item["after"] = masked(new[path], leaf)
        changes.append(item)
    return changes


def summary(changes: list[dict[str, Any]]) -> str:
    """The audit log's one line: the first few paths changed (in Chinese)."""
    if not changes:
        return "配置未变（模板与知识库已重新读取）"
    shown = "、".join(c["path"] for c in changes[:5])
    more = f" 等 {len(changes)} 处" if len(changes) > 5 else f"，共 {len(changes)} 处"
    return f"改动：{shown}{more}"
