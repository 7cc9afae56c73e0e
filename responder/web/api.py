"""HTTP: the JSON API and a plain queue page; handlers stay thin."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import jinja2
from aiohttp import web

from responder.health import report as health_report
from responder.services import CLOCK, STORE
from responder.store.records import State, to_api
from responder.store.store import Outcome, Result
from responder.web import errors
from responder.web.validate import ApiError, Body, Field, check, int_param, mention_id, read_body
from sentiment import Label

MAX_BODY = 64 * 1024  # replies are short; anything bigger is refused with 413
CLAIM_TTL = timedelta(minutes=5)  # an agent's lock on a mention while writing
AGENT_HEADER = "X-Tiexin-Agent"

AGENT = Field(name="agent", max_length=64, visible=True, one_line=True)
REPLY = Body((Field(name="text", max_length=2000, required=True, visible=True), AGENT))
DISMISS = Body((Field(name="reason", max_length=500), AGENT), optional=True)
CLAIM = Body((AGENT,), optional=True)
LABEL = Field(name="label", max_length=16, required=True, choices=tuple(map(str, Label)))
SENTIMENT = Body((LABEL, AGENT))

routes = web.RouteTableDef()


@routes.get("/api/queue")
async def queue(request: web.Request) -> web.Response:
    limit = int_param(request, "limit", 100, 1, 1000)
    offset = int_param(request, "offset", 0, 0, 10**9)
    total, rows = await request.app[STORE].queue(limit, offset)
    now = request.app[CLOCK].now()
    items = [to_api(row, now) for row in rows]
    return _json({"now": now.isoformat(), "total": total, "items": items})


@routes.get("/api/mentions/{id}")
async def mention(request: web.Request) -> web.Response:
    store = request.app[STORE]
    mid = mention_id(request)
    row = await store.mention(mid)
    if row is None:
        raise _unknown(mid)
    now = request.app[CLOCK].now()
    body = to_api(row, now)
    body["events"] = await store.events_of(mid)
    body["thread"] = [to_api(r, now) for r in await store.followups_of(mid)]
    return _json(body)


@routes.post("/api/mentions/{id}/reply")
async def reply(request: web.Request) -> web.Response:
    mid, body = mention_id(request), await read_body(request, REPLY)
    return await _close(request, mid, State.REPLIED, body, reply_text=body["text"])


@routes.post("/api/mentions/{id}/dismiss")
async def dismiss(request: web.Request) -> web.Response:
    mid, body = mention_id(request), await read_body(request, DISMISS)
    return await _close(request, mid, State.DISMISSED, body, dismiss_reason=body.get("reason", ""))


@routes.post("/api/mentions/{id}/claim")
async def claim(request: web.Request) -> web.Response:
    mid, body = mention_id(request), await read_body(request, CLAIM)
    agent, now = _agent(request, body), request.app[CLOCK].now()
    _check(mid, await request.app[STORE].claim(mid, agent, now, CLAIM_TTL))
    until = (now + CLAIM_TTL).isoformat()
    return _json({"id": mid, "claimed_by": agent, "until": until})


@routes.post("/api/mentions/{id}/sentiment")
async def correct_sentiment(request: web.Request) -> web.Response:
    mid, body = mention_id(request), await read_body(request, SENTIMENT)
    label, agent, now = body["label"], _agent(request, body), request.app[CLOCK].now()
    _check(mid, await request.app[STORE].correct(mid, label, agent, now))
    return _json({"id": mid, "label": label, "by": agent})


@routes.get("/api/health")
async def health(request: web.Request) -> web.Response:
    """Answer 200 when every part is ok, else 503 naming the failing ones; JSON either way."""
    status, body = await health_report(request.app)
    return web.json_response(body, status=status, dumps=lambda d: json.dumps(d, ensure_ascii=False))


@routes.get("/")
async def index(request: web.Request) -> web.Response:
    total, rows = await request.app[STORE].queue(200)
    now = request.app[CLOCK].now()
    page = request.app[TEMPLATES].get_template("ui/queue.html")
    html = page.render(total=total, items=[to_api(r, now) for r in rows], now=now)
    return web.Response(text=html, content_type="text/html")


async def _close(
    request: web.Request, mid: str, state: State, body: dict[str, str], **extra: str
) -> web.Response:
    agent = _agent(request, body)
    now = request.app[CLOCK].now()
    outcome = await request.app[STORE].close(mid, state, agent, now, **extra)
    _check(mid, outcome)
    return _json({"id": mid, "state": str(state), "by": agent, "at": now.isoformat()})


def _check(mid: str, outcome: Outcome) -> None:
    if outcome.result is Result.UNKNOWN:
        raise _unknown(mid)
    if outcome.result is Result.NOT_OPEN:
        raise ApiError(f"mention {mid} is already {outcome.detail}", status=409)
    if outcome.result is Result.CLAIMED:
        raise ApiError(f"mention {mid} is claimed by {outcome.detail}", status=409)


def _unknown(mid: str) -> ApiError:
    return ApiError(f"no mention with id {mid}", status=404)


def _agent(request: web.Request, body: dict[str, str]) -> str:
    # Until logins exist (the web UI issue), agents name themselves; only no name at all
    # means "local", never a name that is empty or not a string.
    if "agent" in body:
        return body["agent"]
    header = request.headers.get(AGENT_HEADER)
    return "local" if header is None else check(AGENT, header, source=AGENT_HEADER)


def _json(data: Any) -> web.Response:
    # Chinese text stays readable in the body (no \u escapes).
    return web.json_response(data, dumps=lambda d: json.dumps(d, ensure_ascii=False))


TEMPLATES = web.AppKey("templates", jinja2.Environment)


def add_routes(app: web.Application) -> None:
    """Register the API and the page on `app`, with JSON errors for the API."""
    app[TEMPLATES] = jinja2.Environment(
        loader=jinja2.PackageLoader("templates", "."),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    errors.install(app)
    app.add_routes(routes)
