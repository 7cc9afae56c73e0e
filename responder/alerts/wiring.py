"""Build the notifier a config describes: its channels in fallback order, the schedule,
and the links its pages carry (the workspace, signed ack links)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from connectors.http import Http
from responder.alerts.ack import AckTokens, load_tokens
from responder.alerts.channels.build import build_channel
from responder.alerts.channels.fallback import Fallback
from responder.alerts.links import ack_link, mention_link, public_base, queue_link
from responder.alerts.notifier import STALE, Notifier, Settings
from responder.alerts.schedule import Schedule
from responder.clock import Clock
from responder.config import Config
from responder.metrics import Metrics
from responder.store.store import Store

log = logging.getLogger(__name__)


class PageLinks:
    """The links of one deployment, as `public_base` names it."""

    def __init__(self, base: str, tokens: AckTokens) -> None:
        self.base, self.tokens = base, tokens

    def mention(self, mid: str) -> str:
        return mention_link(self.base, mid)

    def queue(self, **filters: str) -> str:
        return queue_link(self.base, **filters)

    def ack(self, target: str, person: str) -> str:
        return ack_link(self.base, self.tokens.issue(target, person))


async def build_notifier(
    config: Config,
    store: Store,
    http: Http,
    clock: Clock,
    *,
    consumer: str,
    metrics: Metrics | None = None,
) -> Notifier | None:
    """The notifier, or None (and a warning) when no channel is configured."""
    alerts = config.alerts
    if not alerts.channels:
        log.warning(
            "no [alerts.channels] configured: nobody will be paged (see docs/alerts/paging.md)",
            extra={"event": "paging_off"},
        )
        return None
    channels = [build_channel(c.name, c.options, http=http, clock=clock) for c in alerts.channels]
    tokens = await load_tokens(alerts, store, clock)
    notifier = Notifier(
        store,
        Fallback(channels, clock=clock, metrics=metrics),
        Schedule.from_config(config),
        PageLinks(public_base(config), tokens),
        clock,
        consumer=consumer,
        settings=Settings(
            window=alerts.group_window.total_seconds(),
            minimum=alerts.group_min,
            reclaim_after_ms=int(config.pipeline.reclaim_after / timedelta(milliseconds=1)),
        ),
    )
    await notifier.ensure_group()
    return notifier


def trimmer(store: Store, clock: Clock) -> Callable[[], Awaitable[float]]:
    """With nobody paged, drop alert entries older than a notifier would page (the stream
    would otherwise grow to its cap); a step a minute."""

    async def step() -> float:
        oldest = int((clock.now() - STALE).timestamp() * 1000)
        await store.redis.xtrim(store.keys.alerts, minid=str(oldest), approximate=False)
        return 60.0

    return step
