"""`[alerts.channels.NAME]` tables: each names a `type` (dingtalk, wecom, feishu, webhook,
email) and that type's options; bound like `[connectors.NAME]`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from responder.alerts.channels.build import TYPES, ChannelConfig
from responder.schema import Binder, show


@dataclass(frozen=True, slots=True, kw_only=True)
class NamedChannel:
    name: str
    type: str
    options: ChannelConfig


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertsConfig:
    """Where pages go, in the order tried (the first that accepts a page wins)."""

    channels: tuple[NamedChannel, ...] = ()

    def named(self, name: str) -> NamedChannel | None:
        return next((c for c in self.channels if c.name == name), None)


def bind_alerts(binder: Binder, table: Any) -> AlertsConfig:
    """Bind `[alerts]`, recording every problem with its key path."""
    if not isinstance(table, Mapping):
        binder.error("alerts", f"must be a table, got {show(table)}")
        return AlertsConfig()
    for key in table:
        if key != "channels":
            binder.error(f"alerts.{key}", 'unknown key (known keys: "channels")')
    channels = table.get("channels", {})
    if not isinstance(channels, Mapping):
        binder.error("alerts.channels", f"must be a table of named channels, got {show(channels)}")
        return AlertsConfig()
    known = ", ".join(f'"{k}"' for k in TYPES)
    found: list[NamedChannel] = []
    for name, body in channels.items():
        path = f"alerts.channels.{name}"
        if not isinstance(body, Mapping):
            binder.error(path, f"must be a table, got {show(body)}")
            continue
        kind = body.get("type")
        if kind not in TYPES:
            what = "required" if kind is None else f"must be one of {known}, got {show(kind)}"
            binder.error(f"{path}.type", what if kind is not None else f"{what} (one of {known})")
            continue
        options = binder.bind(TYPES[kind], {k: v for k, v in body.items() if k != "type"}, path)
        if options is not None:
            found.append(NamedChannel(name=name, type=kind, options=options))
    return AlertsConfig(channels=tuple(found))
