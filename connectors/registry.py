"""The one registry of connector types: each type's config dataclass and how to build it.

`[connectors.NAME] type = "..."` in config.toml names an entry here; the config binder
reads the options into the type's dataclass (declared next to the connector's code), and
the runtime builds the connector with what every connector may use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors import tieba
from connectors.base import Connector, PushConnector
from connectors.http import Http
from connectors.http_json import HttpJsonConfig, HttpJsonConnector
from connectors.replay import ReplayConfig, ReplayConnector
from connectors.shared import Shared
from connectors.wechat import WechatConfig, WechatConnector
from connectors.weibo import WeiboConfig, WeiboConnector
from connectors.weibo_dm import WeiboDmConfig, WeiboDmConnector


@dataclass(frozen=True, slots=True)
class Context:
    """What the runtime gives every connector: the process's HTTP session, what processes
    share (`shared(name)`: tokens, rate-limit waits, scoped to one connector), the clock."""

    http: Http
    shared: Callable[[str], Shared]
    now: Callable[[], datetime] = lambda: datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ConnectorType:
    config: type[Any]
    build: Callable[[str, Any, Context], Connector | PushConnector]


TYPES: dict[str, ConnectorType] = {
    "replay": ConnectorType(
        ReplayConfig, lambda name, options, ctx: ReplayConnector(name, options, now=ctx.now)
    ),
    "weibo": ConnectorType(
        WeiboConfig,
        lambda name, options, ctx: WeiboConnector(
            name, options, http=ctx.http, shared=ctx.shared(name), now=ctx.now
        ),
    ),
    "wechat": ConnectorType(
        WechatConfig,
        lambda name, options, ctx: WechatConnector(
            name, options, http=ctx.http, shared=ctx.shared(name), now=ctx.now
        ),
    ),
    "weibo_dm": ConnectorType(
        WeiboDmConfig,
        lambda name, options, ctx: WeiboDmConnector(
            name, options, http=ctx.http, shared=ctx.shared(name), now=ctx.now
        ),
    ),
    "tieba": ConnectorType(
        tieba.TiebaConfig, lambda name, options, ctx: tieba.build(name, options)
    ),
    "http_json": ConnectorType(
        HttpJsonConfig,
        lambda name, options, ctx: HttpJsonConnector(name, options, http=ctx.http, now=ctx.now),
    ),
}


def build(type_name: str, name: str, options: Any, ctx: Context) -> Connector | PushConnector:
    """Build the connector a config entry describes."""
    return TYPES[type_name].build(name, options, ctx)
