"""Apply a reload to each part that holds a piece of the config, one small function each;
`APPLIERS` runs them in order. Each looks at its own piece and does nothing when it is the
same. What request handlers read (`config_of(app)`) needs nothing: it is swapped after."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from responder.alerts.monitor import Monitor
from responder.alerts.wiring import build_notifier
from responder.config import Config
from responder.drafts.drafter import default_directory
from responder.drafts.llm.brief import Kit
from responder.incidents.store import IncidentStore
from responder.pipeline.inputs import Inputs
from responder.pipeline.scoring import ScoringPool
from responder.pipeline.worker import consumer_name
from responder.reload.connectors import apply_connectors
from responder.reports.rollup import Rollup
from responder.roles import runs
from responder.services import CLOCK, CONNECTORS, LIVE_CONFIG, METRICS, SERVICES, STORE
from responder.store.packing import PACKER, dictionary_of, ident_of
from responder.voice.watch import VoiceWatch
from responder.web.auth import DIRECTORY
from responder.web.replies import RULES, ReplyRules

log = logging.getLogger(__name__)
Applier = Callable[[web.Application, Config, Config], Awaitable[None]]


async def apply_sla(app: web.Application, old: Config, new: Config) -> None:
    """New mentions get the new durations; deadlines already set stay as they are."""
    services = app[SERVICES]
    for pipeline in services.pipelines:
        pipeline.sla = new.sla
    if services.sweeper is not None:
        services.sweeper.escalations = json.dumps(new.sla.escalations())


async def apply_pipeline(app: web.Application, old: Config, new: Config) -> None:
    """Incident grouping and the library of best replies the pipeline workers read."""
    store, services = app[STORE], app[SERVICES]
    for pipeline in services.pipelines:
        if old.incidents != new.incidents:
            pipeline.incidents = IncidentStore(
                store.redis, store.keys, new.incidents, events_maxlen=store.retention.events
            )
        if old.drafts.library != new.drafts.library:
            pipeline.inputs = Inputs(store, app[CLOCK], new.drafts.library)


async def apply_users(app: web.Application, old: Config, new: Config) -> None:
    """Who can sign in: a removed user's next request is refused, a new one can sign in."""
    if old.users != new.users and DIRECTORY in app:
        app[DIRECTORY].use(new.users)


async def apply_alerts(app: web.Application, old: Config, new: Config) -> None:
    """Channels, grouping and the on-call rota: a new notifier (the loop takes it at its
    next step; an alert in hand is finished by the old one)."""
    parts = ("alerts", "oncall", "users", "server")
    services = app[SERVICES]
    if not runs(services.roles, "notifier") or all(
        getattr(old, p) == getattr(new, p) for p in parts
    ):
        return  # a process of no worker role pages nobody: it keeps no notifier
    services.notifier = await build_notifier(
        new,
        app[STORE],
        app[CONNECTORS].http,
        app[CLOCK],
        consumer=consumer_name(new.redis.data_dir),
        metrics=app[METRICS],
    )


async def apply_watches(app: web.Application, old: Config, new: Config) -> None:
    """The monitor (sources, channels), the reports' rollup and the voice watch."""
    services, store, clock = app[SERVICES], app[STORE], app[CLOCK]
    if services.monitor is not None and (
        old.connectors != new.connectors or old.alerts != new.alerts
    ):
        grace = {poller.name: poller.timing.stall_grace for poller in services.pollers}
        services.monitor = Monitor(store, new, clock, stall_grace=grace)
    if old.reports != new.reports or old.drafts.timezone != new.drafts.timezone:
        if services.rollup is not None:
            services.rollup = Rollup(store, new.reports, new.drafts.timezone)
        if services.voice is not None:
            services.voice = VoiceWatch(store, new, clock)


def drafts_stamp(config: Config) -> tuple[object, ...]:
    """What the drafter loads: the templates folder (brand facts, knowledge base, style)
    by each file's path, size and mtime, and the team's zone."""
    folder = config.drafts.templates or default_directory()
    files = sorted(p for p in Path(folder).rglob("*") if p.is_file())
    seen = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    return (str(folder), config.drafts.timezone, seen)


async def _files_changed(app: web.Application, new: Config) -> bool:
    """Whether the templates folder or a file in it changed since the last reload (or the
    start): apply_drafts, the last part, notes the new stamp."""
    stamp = await asyncio.to_thread(drafts_stamp, new)
    return bool(stamp != app[LIVE_CONFIG].drafts_stamp)


async def apply_replies(app: web.Application, old: Config, new: Config) -> None:
    """The style rules the reply check applies and the knowledge base's quotes (web)."""
    if RULES not in app or not await _files_changed(app, new):
        return
    rules = await asyncio.to_thread(ReplyRules.load, new.drafts.templates)
    app[RULES].style, app[RULES].quotes = rules.style, rules.quotes
    log.info("reload: style rules and knowledge-base quotes read again")


async def apply_packing(app: web.Application, old: Config, new: Config) -> None:
    """The dictionary drafts are stored with: made from the new templates, stored in Redis
    before the first value packed with it, so every process can read that value."""
    if not await _files_changed(app, new):
        return
    folder = new.drafts.templates or default_directory()
    dictionary = await asyncio.to_thread(dictionary_of, folder, default_directory())
    store = app[STORE]
    await store.redis.set(
        store.keys.drafts_dictionary(ident_of(dictionary)), dictionary.decode(), nx=True
    )
    PACKER.use(dictionary)


async def apply_kit(app: web.Application, old: Config, new: Config) -> None:
    """What generated drafts ([drafts.llm]) are written from and checked against; a draft
    being written finishes with the old files."""
    generator = app[SERVICES].generator
    if generator is None or not await _files_changed(app, new):
        return
    generator.kit = await asyncio.to_thread(Kit.load, new.drafts.templates)
    log.info("reload: the generated drafts' files read again")


async def apply_drafts(app: web.Application, old: Config, new: Config) -> None:
    """Templates, brand facts and the knowledge base: the scoring processes draft, so they
    are started anew on the new files; a batch in hand finishes in the old ones. Last of
    the parts: it notes the files' stamp the parts before it compare with."""
    live = app[LIVE_CONFIG]
    stamp = await asyncio.to_thread(drafts_stamp, new)
    if stamp == live.drafts_stamp and old.drafts == new.drafts:
        return
    scorer = app[SERVICES].scorer
    if isinstance(scorer, ScoringPool):
        await asyncio.to_thread(scorer.reload, new.drafts.templates, new.drafts.timezone)
        log.info("reload: drafting processes restarted on %s", stamp[0])
    live.drafts_stamp = stamp


APPLIERS: tuple[tuple[str, Applier], ...] = (
    ("connectors", apply_connectors),
    ("sla", apply_sla),
    ("pipeline", apply_pipeline),
    ("users", apply_users),
    ("alerts", apply_alerts),
    ("watches", apply_watches),
    ("replies", apply_replies),
    ("packing", apply_packing),
    ("kit", apply_kit),
    ("drafts", apply_drafts),  # last: it notes the templates' stamp
)
