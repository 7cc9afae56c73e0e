"""The app keys the web layer reads its services from (declared below web and runtime)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

from connectors.base import Connector, PushConnector
from connectors.http import Http
from connectors.registry import Context
from responder.alerts.monitor import Monitor
from responder.alerts.notifier import Notifier
from responder.clock import Clock
from responder.config import Config
from responder.ingest.poller import Poller
from responder.metrics import Metrics
from responder.outbox.sender import Sender
from responder.pipeline.generate import Generator
from responder.pipeline.worker import Pipeline, Scorer
from responder.reports.rollup import Rollup
from responder.roles import ALL, Role
from responder.sla.sweeper import Sweeper
from responder.store.availability import Availability
from responder.store.durable import Durable
from responder.store.store import Store
from responder.supervisor import Supervisor
from responder.voice.watch import VoiceWatch
from responder.watchdog import RedisWatchdog


@dataclass(slots=True)
class Services:
    """The running parts, so tests can drive each step directly; what a process builds
    follows its roles (responder/roles.py)."""

    roles: frozenset[Role] = ALL
    pollers: list[Poller] = field(default_factory=list)
    pipeline: Pipeline | None = None  # the first of `pipelines`
    pipelines: list[Pipeline] = field(default_factory=list)
    sweeper: Sweeper | None = None
    sender: Sender | None = None  # posts approved replies (the outbox)
    scorer: Scorer | None = None
    supervisor: Supervisor | None = None
    watchdog: RedisWatchdog | None = None  # only with an embedded Redis we started
    redis: Availability | None = None  # whether Redis answers, from every call we make
    durable: Durable | None = None  # replicas confirm a write before it is acknowledged
    notifier: Notifier | None = None  # None when no alert channel is configured
    monitor: Monitor | None = None  # pages at once for sources down, auth, pipeline lag
    generator: Generator | None = None  # generated drafts, when [drafts.llm] is set
    rollup: Rollup | None = None  # keeps the reports' counters up with the event stream
    voice: VoiceWatch | None = None  # spikes paged, the weekly digest sent (responder/voice)
    scheduler: Any = None  # the APScheduler that triggers polls (a reload adds and removes jobs)


@dataclass(frozen=True, slots=True)
class Connectors:
    """The configured connectors (built with the app, started with the workers) and the
    process's one HTTP session they share."""

    http: Http
    all: list[Connector | PushConnector]
    context: Context | None = None  # what a connector is built with (a reload builds more)

    def named(self, name: str) -> Connector | PushConnector | None:
        return next((c for c in self.all if c.name == name), None)


@dataclass(slots=True)
class LiveConfig:
    """The config in effect now: the one the process started with until a reload
    (responder/reload) replaces it. `version` counts the configs stored in Redis (0: none
    stored yet)."""

    current: Config
    version: int = 0
    loaded_at: datetime | None = None
    by: str = ""
    refused: str = ""  # why the newest stored version was not applied here, if it was not
    drafts_stamp: object = None  # the template files the drafter loaded (reload/parts.py)


def config_of(app: web.Application) -> Config:
    """The config in effect (what request handlers read; `app[CONFIG]` is the start's)."""
    return app[LIVE_CONFIG].current


CONNECTORS = web.AppKey("connectors", Connectors)
CONFIG = web.AppKey("config", Config)  # the config the process started with
LIVE_CONFIG = web.AppKey("live_config", LiveConfig)
CLOCK = web.AppKey("clock", Clock)
STORE = web.AppKey("store", Store)
SERVICES = web.AppKey("services", Services)
SCORER = web.AppKey("scorer", Scorer)
METRICS = web.AppKey("metrics", Metrics)  # this app's own registry (docs/metrics.md)
