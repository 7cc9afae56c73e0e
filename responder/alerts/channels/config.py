"""`[alerts]`: where pages go (`[alerts.channels.NAME]`, each naming a `type`: dingtalk,
wecom, feishu, webhook, email; bound like `[connectors.NAME]`), how they are grouped, how
long ack links live, and when a failing source or a slow pipeline pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from connectors.secret import Secret
from responder.alerts.channels.build import TYPES, ChannelConfig
from responder.schema import Binder, show


@dataclass(frozen=True, slots=True, kw_only=True)
class NamedChannel:
    name: str
    type: str
    options: ChannelConfig


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertOverride:
    """A threshold for one platform, or one account of it (the most specific wins)."""

    platform: str = field(metadata={"nonempty": True})
    account: str | None = None
    down_after: timedelta | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertsConfig:
    """Pages: channels in the order tried (the first that accepts a page wins)."""

    channels: tuple[NamedChannel, ...] = ()
    # Links in pages start with this ("": http://<server.host>:<server.port>).
    public_url: str = ""
    # Warnings due within this window go out as one page when there are at least group_min.
    group_window: timedelta = timedelta(seconds=60)
    group_min: int = field(default=3, metadata={"gt": 1})
    # A source failing this long pages (per platform or account in `overrides`).
    down_after: timedelta = timedelta(minutes=5)
    # The oldest mention waiting to be queued is older than this: the pipeline is behind.
    lag_after: timedelta = timedelta(minutes=2)
    ack_ttl: timedelta = timedelta(hours=24)  # an ack link works this long
    # Signs ack links; unset: a random key kept in Redis, shared by every process.
    ack_secret: Secret | None = None
    overrides: tuple[AlertOverride, ...] = ()

    def __post_init__(self) -> None:
        if self.public_url and not self.public_url.startswith(("http://", "https://")):
            raise ValueError("public_url must start with http:// or https://")

    def named(self, name: str) -> NamedChannel | None:
        return next((c for c in self.channels if c.name == name), None)

    def down_after_for(self, platform: str, account: str) -> timedelta:
        """How long `account` on `platform` may fail before it pages."""
        after = self.down_after
        for rule in sorted(self.overrides, key=lambda rule: rule.account is not None):
            if rule.platform == platform and rule.account in (None, account):
                after = rule.down_after or after
        return after


def bind_alerts(binder: Binder, table: Any) -> AlertsConfig:
    """Bind `[alerts]`, recording every problem with its key path."""
    if not isinstance(table, Mapping):
        binder.error("alerts", f"must be a table, got {show(table)}")
        return AlertsConfig()
    found = binder.typed_tables(
        table.get("channels", {}), "alerts.channels", TYPES, what="channels"
    )
    channels = tuple(
        NamedChannel(name=name, type=kind, options=options)
        for name, kind, options, _ in found
        if options is not None
    )
    rest = {k: v for k, v in table.items() if k != "channels"}
    bound = binder.bind(AlertsConfig, rest, "alerts", channels=channels)
    return bound if isinstance(bound, AlertsConfig) else AlertsConfig(channels=channels)
