"""The voice of the customer on /reports: `GET /api/reports/voice?week=` (the week's
complaint topics against the week before, sentiment per product and sample mentions that
link to the workspace, as JSON), the same as CSV for Excel and as Markdown. Leads and
admins only; a week is an ISO week (2026-W49) in the team's zone, this week by default."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from responder.services import CLOCK, STORE, config_of
from responder.voice.render import LABELS, PRODUCTS, Week, csv_text, markdown, parse_week, week_of
from responder.voice.topics import Said, Topic, Voice
from responder.voice.week import products_of, voice_of
from responder.web.audit import csv_response
from responder.web.auth import Role, require
from responder.web.common import json_response
from responder.web.validate import ApiError

routes = web.RouteTableDef()
FRESH = 60.0  # seconds a week's voice is served again before it is read anew
# Week -> (when it was read, epoch s; the read): the topics' words cost ~0.5 s of TF-IDF
# over a busy week's 7,000 samples, and several leads open the page at once.
VOICES = web.AppKey("voices", dict[str, tuple[float, "asyncio.Task[Voice]"]])


def setup(app: web.Application) -> None:
    app[VOICES] = {}


@routes.get("/api/reports/voice")
async def voice_json(request: web.Request) -> web.Response:
    """The week's voice as JSON, naming its range and zone, and the weeks beside it."""
    require(request, Role.LEAD)
    week = week_asked(request)
    found = await _voice(request, week)
    return json_response(as_json(found, week, this_week(request), request.app[CLOCK].now()))


@routes.get("/api/reports/voice.csv")
async def voice_csv(request: web.Request) -> web.Response:
    """The topics for Excel: UTF-8 with a BOM, cells that look like formulas quoted."""
    require(request, Role.LEAD)
    week = week_asked(request)
    text = csv_text(await _voice(request, week), week).removeprefix("\ufeff")  # one BOM
    return csv_response(text, f"tiexin-voice-{week.name}.csv")


@routes.get("/api/reports/voice.md")
async def voice_md(request: web.Request) -> web.Response:
    """The report in Markdown, as the alert channels show it."""
    require(request, Role.LEAD)
    week = week_asked(request)
    return web.Response(
        text=markdown(await _voice(request, week), week),
        content_type="text/markdown",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="tiexin-voice-{week.name}.md"'},
    )


def week_asked(request: web.Request) -> Week:
    """The week the query names (`week`, e.g. 2026-W49), or this week; a 400 naming the
    form for anything else."""
    text = request.query.get("week", "")
    if not text:
        return this_week(request)
    try:
        return parse_week(text[:64], config_of(request.app).drafts.timezone)
    except ValueError as exc:
        raise ApiError(str(exc), field="week") from exc


def this_week(request: web.Request) -> Week:
    zone = config_of(request.app).drafts.timezone
    return week_of(request.app[CLOCK].now().astimezone(ZoneInfo(zone)).date(), zone)


async def _voice(request: web.Request, week: Week) -> Voice:
    """The week's voice, read at most once a FRESH while asked for (one read shared by
    those who ask meanwhile)."""
    app, now = request.app, request.app[CLOCK].now().timestamp()
    held = app[VOICES].get(week.name)
    if held is None or now - held[0] >= FRESH or held[1].cancelled():
        for name, (at, _) in list(app[VOICES].items()):
            if now - at >= FRESH:
                del app[VOICES][name]
        read = voice_of(app[STORE], week, names=products_of(config_of(app)))
        held = app[VOICES][week.name] = (now, asyncio.ensure_future(read))
    try:
        return await asyncio.shield(held[1])
    except Exception:
        app[VOICES].pop(week.name, None)  # a failed read is not served again
        raise


def as_json(found: Voice, week: Week, now_week: Week, now: datetime) -> dict[str, Any]:
    """The report as the page reads it: most complained-of topic first, products most
    spoken of first; every count from the day counters, so exact."""
    rising = {(t.intent, t.aspect) for t in found.rising()}
    after = week_of(week.end.date(), week.zone)
    return {
        "week": week.name,
        "range": range_of(week),
        "before": {"week": week.before.name, **range_of(week.before)},
        "after": after.name,
        "this_week": now_week.name,
        "generated_at": now.isoformat(),
        "total": found.total,
        "complaints": found.complaints,
        "topics": [_topic(t, (t.intent, t.aspect) in rising) for t in found.topics],
        "products": [
            {"product": name, "name": PRODUCTS.get(name, name)}
            | {label: felt.get(label, 0) for label in LABELS}
            for name, felt in found.products.items()
        ],
    }


def range_of(week: Week) -> dict[str, str]:
    """Monday to Sunday (both included) and the zone, as every figure on /reports says."""
    last = week.end.date() - timedelta(days=1)
    return {"since": week.start.date().isoformat(), "until": last.isoformat(), "zone": week.zone}


def _topic(topic: Topic, rising: bool) -> dict[str, Any]:
    return {
        "name": topic.name,
        "heading": topic.heading,
        "intent": topic.intent,
        "aspect": topic.aspect,
        "phrases": list(topic.phrases),
        "count": topic.count,
        "before": topic.before,
        "rise": topic.rise,
        "rising": rising,
        "products": [{"product": name, "count": n} for name, n in topic.products],
        "samples": [_sample(said) for said in topic.samples],
    }


def _sample(said: Said) -> dict[str, Any]:
    return {
        "id": said.id,
        "text": said.text,
        "product": said.product,
        "sentiment": said.sentiment,
        "link": f"/?m={said.id}",  # the workspace opens it (alerts.js reads ?m=)
    }
