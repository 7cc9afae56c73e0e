"""`tiexin oncall test CHANNEL`: send one test page through a configured channel, for the
people on call now, so the test also shows whether their handles @-mention them."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

from connectors.http import Http
from responder.alerts.channels.build import ChannelConfig, build_channel
from responder.alerts.channels.page import ChannelError, Page
from responder.alerts.people import Person
from responder.alerts.schedule import Schedule
from responder.clock import SystemClock

if TYPE_CHECKING:
    from responder.config import Config


def run_test(config: Config, channel: str) -> int:
    """Send a test page; print what the channel answered. Exit 0 sent, 1 refused or
    failed, 2 no such channel."""
    named = config.alerts.named(channel)
    if named is None:
        known = ", ".join(c.name for c in config.alerts.channels) or "none configured"
        print(f"tiexin: no alert channel {channel!r} (channels: {known})", file=sys.stderr)
        return 2
    people = Schedule.from_config(config).who_is_on_call(SystemClock().now()).people
    return asyncio.run(_send(named.name, named.options, people))


async def _send(name: str, options: ChannelConfig, people: tuple[Person, ...]) -> int:
    clock, http = SystemClock(), Http(total=15.0)
    page = Page(
        key=f"test-{clock.now().timestamp():.0f}",
        title="【测试】贴心值班通知",
        lines=("这是一条测试消息：收到说明这个渠道能用。", "不需要处理。"),
        severity="warn",
        to=people,
    )
    try:
        delivered = await build_channel(name, options, http=http, clock=clock).send(page)
    except ChannelError as exc:
        print(f"tiexin: {name}: not sent: {exc}", file=sys.stderr)
        return 1
    finally:
        await http.stop()
    print(f"{name}: sent at {delivered.at.isoformat()} ({delivered.detail or 'ok'})")
    return 0
