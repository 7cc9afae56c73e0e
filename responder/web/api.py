"""HTTP: the JSON API and a plain queue page; handlers stay thin."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import jinja2
from aiohttp import web

from responder.services import CLOCK, CONFIG, STORE
from responder.store.records import State, to_api
from responder.store.store import Outcome, Result
from sentiment import Label

MAX_BODY = 64 * 1024  # replies are short; anything bigger is refused with 413
MAX_REPLY = 2000
LABELS = {str(label) for label in Label}
CLAIM_TTL = timedelta(minutes=5)  # an agent's lock on a mention while writing
routes = web.RouteTableDef()


@web.middleware
async def json_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Answer API errors as JSON `{"error": ...}` with the right status."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except web.HTTPException as exc:
        if not request.path.startswith("/api/") or exc.status < 400:
            raise
        return web.json_response({"error": _message(exc)}, status=exc.status)


def _message(exc: web.HTTPException) -> str:
    text = exc.text or exc.reason
    return text.removeprefix(f"{exc.status}: ")


def fail(status: type[web.HTTPException], message: str) -> web.HTTPException:
    return status(text=message, content_type="text/plain")


@routes.get("/api/queue")
async def queue(request: web.Request) -> web.Response:
    limit = _int_param(request, "limit", 100, 1, 1000)
    offset = _int_param(request, "offset", 0, 0, 10**9)
    total, rows = await request.app[STORE].queue(limit, offset)
    now = request.app[CLOCK].now()
    items = [to_api(row, now) for row in rows]
    return _json({"now": now.isoformat(), "total": total, "items": items})


@routes.get("/api/mentions/{id}")
async def mention(request: web.Request) -> web.Response:
    store = request.app[STORE]
    mid = request.match_info["id"]
    row = await store.mention(mid)
    if row is None:
        raise fail(web.HTTPNotFound, f"no mention with id {mid}")
    now = request.app[CLOCK].now()
    body = to_api(row, now)
    body["events"] = await store.events_of(mid)
    body["thread"] = [to_api(r, now) for r in await store.followups_of(mid)]
    return _json(body)


@routes.post("/api/mentions/{id}/reply")
async def reply(request: web.Request) -> web.Response:
    body = await _body(request)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise fail(web.HTTPBadRequest, 'body must have a non-empty "text"')
    if len(text) > MAX_REPLY:
        raise fail(web.HTTPBadRequest, f"reply is {len(text)} characters; the limit is {MAX_REPLY}")
    return await _close(request, State.REPLIED, body, reply_text=text)


@routes.post("/api/mentions/{id}/dismiss")
async def dismiss(request: web.Request) -> web.Response:
    body = await _body(request, optional=True)
    reason = body.get("reason", "")
    if not isinstance(reason, str) or len(reason) > 500:
        raise fail(web.HTTPBadRequest, '"reason" must be a string of at most 500 characters')
    return await _close(request, State.DISMISSED, body, dismiss_reason=reason)


@routes.post("/api/mentions/{id}/claim")
async def claim(request: web.Request) -> web.Response:
    body = await _body(request, optional=True)
    mid, agent, now = request.match_info["id"], _agent(request, body), request.app[CLOCK].now()
    _check(mid, await request.app[STORE].claim(mid, agent, now, CLAIM_TTL))
    until = (now + CLAIM_TTL).isoformat()
    return _json({"id": mid, "claimed_by": agent, "until": until})


@routes.post("/api/mentions/{id}/sentiment")
async def correct_sentiment(request: web.Request) -> web.Response:
    body = await _body(request)
    label = body.get("label")
    if label not in LABELS:
        raise fail(web.HTTPBadRequest, '"label" must be one of "negative", "neutral", "positive"')
    mid, agent, now = request.match_info["id"], _agent(request, body), request.app[CLOCK].now()
    _check(mid, await request.app[STORE].correct(mid, label, agent, now))
    return _json({"id": mid, "label": label, "by": agent})


@routes.get("/api/health")
async def health(request: web.Request) -> web.Response:
    store = request.app[STORE]
    names = [c.name for c in request.app[CONFIG].connectors if c.enabled]
    total = await store.queue_size()
    return _json(
        {"connectors": await store.health(names), "stats": await store.stats(), "queued": total}
    )


@routes.get("/")
async def index(request: web.Request) -> web.Response:
    total, rows = await request.app[STORE].queue(200)
    now = request.app[CLOCK].now()
    page = request.app[TEMPLATES].get_template("ui/queue.html")
    html = page.render(total=total, items=[to_api(r, now) for r in rows], now=now)
    return web.Response(text=html, content_type="text/html")


async def _close(
    request: web.Request, state: State, body: dict[str, Any], **extra: str
) -> web.Response:
    mid = request.match_info["id"]
    agent = _agent(request, body)
    now = request.app[CLOCK].now()
    outcome = await request.app[STORE].close(mid, state, agent, now, **extra)
    _check(mid, outcome)
    return _json({"id": mid, "state": str(state), "by": agent, "at": now.isoformat()})


def _check(mid: str, outcome: Outcome) -> None:
    if outcome.result is Result.UNKNOWN:
        raise fail(web.HTTPNotFound, f"no mention with id {mid}")
    if outcome.result is Result.NOT_OPEN:
        raise fail(web.HTTPConflict, f"mention {mid} is already {outcome.detail}")
    if outcome.result is Result.CLAIMED:
        raise fail(web.HTTPConflict, f"mention {mid} is claimed by {outcome.detail}")


def _agent(request: web.Request, body: dict[str, Any]) -> str:
    # Until logins exist (the web UI issue), agents name themselves.
    agent = body.get("agent") or request.headers.get("X-Tiexin-Agent") or "local"
    if not isinstance(agent, str) or len(agent) > 64:
        raise fail(web.HTTPBadRequest, '"agent" must be a name of at most 64 characters')
    return agent


async def _body(request: web.Request, *, optional: bool = False) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip() and optional:
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise fail(web.HTTPBadRequest, f"body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise fail(web.HTTPBadRequest, "body must be a JSON object")
    return data


def _int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    value = request.query.get(name)
    if value is None:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise fail(web.HTTPBadRequest, f"{name} must be an integer from {low} to {high}")
    return int(value)


def _json(data: Any) -> web.Response:
    # Chinese text stays readable in the body (no \u escapes).
    return web.json_response(data, dumps=lambda d: json.dumps(d, ensure_ascii=False))


TEMPLATES = web.AppKey("templates", jinja2.Environment)


def add_routes(app: web.Application) -> None:
    """Register the API and the page on `app`."""
    app[TEMPLATES] = jinja2.Environment(
        loader=jinja2.PackageLoader("templates", "."),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    app.middlewares.append(json_errors)
    app.add_routes(routes)
