"""A notifier wired to fake robots on loopback: a webhook first, DingTalk as fallback,
an on-call schedule, and the real sweeper and pipeline feeding it."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer

from connectors.http import Http
from connectors.secret import Secret
from responder.alerts.ack import AckTokens
from responder.alerts.channels.dingtalk import DingTalk, DingTalkConfig
from responder.alerts.channels.fallback import Fallback, RetryPolicy
from responder.alerts.channels.page import Channel
from responder.alerts.channels.webhook import Webhook, WebhookConfig
from responder.alerts.notifier import Notifier, Settings
from responder.alerts.schedule import Schedule
from responder.alerts.wiring import PageLinks
from responder.backoff import BackoffPolicy
from responder.config import parse
from responder.pipeline.worker import Pipeline
from responder.sla.sweeper import Sweeper
from responder.store.store import Store
from tests.fake_robots import DING_SECRET, DING_TOKEN, HOOK_SECRET, FakeRobots, Got
from tests.fakes import FakeClock, mention

ONCALL = """
[[oncall.people]]
name = "zhao"
display = "小赵"
phone = "13800000001"

[[oncall.people]]
name = "qian"
display = "小钱"
phone = "13800000002"

[[oncall.rotations]]
name = "primary"
people = ["zhao"]
start = 2026-11-01

[[oncall.rotations]]
name = "secondary"
role = "secondary"
people = ["qian"]
start = 2026-11-01
"""


BASE = "https://tiexin.example"
SECRET = "test-ack-secret"


def links(clock: FakeClock) -> PageLinks:
    """The real links, signing ack tokens with a known secret (tests read them back)."""
    return PageLinks(BASE, AckTokens(SECRET, clock, timedelta(hours=24)))


def schedule_of(extra: str = "") -> Schedule:
    config = parse(tomllib.loads(ONCALL + extra), base_dir=Path("."), source="test.toml")
    return Schedule.from_config(config)


@dataclass
class Rig:
    store: Store
    clock: FakeClock
    robots: FakeRobots
    http: Http
    base: str
    schedule: Schedule
    settings: Settings

    def notifier(self, consumer: str = "n1") -> Notifier:
        channels: list[Channel] = [
            Webhook(
                "hook",
                WebhookConfig(url=self.base + "/hook", secret=Secret(HOOK_SECRET)),
                http=self.http,
                clock=self.clock,
            ),
            DingTalk(
                "ding",
                DingTalkConfig(
                    access_token=Secret(DING_TOKEN), secret=Secret(DING_SECRET), api_base=self.base
                ),
                http=self.http,
                clock=self.clock,
            ),
        ]
        policy = RetryPolicy(
            attempts=2, backoff=BackoffPolicy(initial=1.0, factor=2.0, maximum=4.0, jitter=0.0)
        )
        fallback = Fallback(channels, clock=self.clock, policy=policy)
        return Notifier(
            self.store,
            fallback,
            self.schedule,
            links(self.clock),
            self.clock,
            consumer=consumer,
            settings=self.settings,
        )

    async def started(self, consumer: str = "n1") -> Notifier:
        """A notifier whose consumer group exists: stages fired from now on reach it."""
        notifier = self.notifier(consumer)
        await notifier.ensure_group()
        return notifier

    def pages(self, robot: str = "webhook") -> list[dict[str, Any]]:
        """What a robot was sent, in order (webhook bodies as JSON, DingTalk's markdown)."""
        got: list[Got] = self.robots.of(robot)
        return [g.body for g in got]


@asynccontextmanager
async def rig(
    store: Store, clock: FakeClock, *, schedule: Schedule | None = None, **settings: Any
) -> AsyncIterator[Rig]:
    robots = FakeRobots(now=clock.now)
    server = TestServer(robots.app(), host="127.0.0.1", port=0)
    await server.start_server()
    http = Http(total=2.0)
    try:
        yield Rig(
            store=store,
            clock=clock,
            robots=robots,
            http=http,
            base=str(server.make_url("")).rstrip("/"),
            schedule=schedule or schedule_of(),
            settings=Settings(**settings),
        )
    finally:
        await http.stop()
        await server.close()


async def queue(store: Store, pipeline: Pipeline, clock: FakeClock, *pids: str, **kw: Any) -> None:
    """Queue mentions written now (`kw` overrides their fields)."""
    await store.ingest(
        "demo", [mention(p, created_at=clock.now(), **kw) for p in pids], None, clock.now()
    )
    await pipeline.run_once()


async def fire(store: Store, clock: FakeClock) -> int:
    """Sweep as the service does; return how many stages fired."""
    return len(await Sweeper(store, clock).sweep())


async def warned(store: Store, pipeline: Pipeline, clock: FakeClock, pid: str = "1") -> int:
    """Queue mention `pid` and let 10 minutes pass to its warning; return stages fired."""
    await queue(store, pipeline, clock, pid)
    clock.advance(10 * 60)
    return await fire(store, clock)
