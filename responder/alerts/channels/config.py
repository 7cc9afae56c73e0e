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
    found = binder.typed_tables(
        table.get("channels", {}), "alerts.channels", TYPES, what="channels"
    )
    return AlertsConfig(
        channels=tuple(
            NamedChannel(name=name, type=kind, options=options)
            for name, kind, options, _ in found
            if options is not None
        )
    )
