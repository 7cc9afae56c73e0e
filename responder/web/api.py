"""HTTP: the JSON API and a plain queue page; handlers stay thin."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from responder.health import report as health_report
from responder.services import CLOCK, STORE, config_of
from responder.store.records import State
from responder.store.views import DETAIL_FIELDS, to_api, to_detail
from responder.web import (
    ack,
    audit,
    auth,
    config_view,
    docs,
    durability,
    errors,
    front,
    history,
    incidents,
    library,
    login,
    noreply,
    pages,
    queue,
    replies,
    reports,
    snippets,
    team,
)
from responder.web.common import agent_of, check_outcome, json_response, unknown
from responder.web.validate import Body, Field, mention_id, read_body
from sentiment import Label

MAX_BODY = 64 * 1024  # replies are short; anything bigger is refused with 413
CLAIM_TTL = timedelta(minutes=5)  # an agent's lock on a mention while writing

DISMISS = Body((Field(name="reason", max_length=500),), optional=True)
CLAIM = Body((), optional=True)
LABEL = Field(name="label", max_length=16, required=True, choices=tuple(map(str, Label)))
SENTIMENT = Body((LABEL,))

routes = web.RouteTableDef()


@routes.get("/api/mentions/{id}")
async def mention(request: web.Request) -> web.Response:
    store = request.app[STORE]
    mid = mention_id(request)
    row = await store.mention(mid, (*DETAIL_FIELDS, *incidents.FIELDS))
    if row is None:
        raise unknown(mid)
    now = request.app[CLOCK].now()
    body = to_detail(row, now)
    body.update(await incidents.detail(request, row))
    body["events"] = await store.events_of(mid)
    body["thread"] = [to_api(r, now) for r in await store.followups_of(mid)]
    # What the agent has read: approving with it is refused once the author writes again.
    body["seen"] = str(body["followups"])
    return json_response(body)


@routes.post("/api/mentions/{id}/dismiss")
async def dismiss(request: web.Request) -> web.Response:
    mid, body = mention_id(request), await read_body(request, DISMISS)
    agent, now = agent_of(request), request.app[CLOCK].now()
    reason = str(body.get("reason", ""))
    store = request.app[STORE]
    outcome = await store.close(mid, State.DISMISSED, agent, now, dismiss_reason=reason)
    check_outcome(mid, outcome)
    found = await store.mention(mid, ["incident_id"])
    await incidents.answered(request.app, mid, (found or {}).get("incident_id", ""))
    state = str(State.DISMISSED)
    return json_response({"id": mid, "state": state, "by": agent, "at": now.isoformat()})


@routes.post("/api/mentions/{id}/claim")
async def claim(request: web.Request) -> web.Response:
    mid = mention_id(request)
    await read_body(request, CLAIM)  # none, or `{}`: any field is refused
    agent, now = agent_of(request), request.app[CLOCK].now()
    check_outcome(mid, await request.app[STORE].claim(mid, agent, now, CLAIM_TTL))
    until = (now + CLAIM_TTL).isoformat()
    return json_response({"id": mid, "claimed_by": agent, "until": until})


@routes.post("/api/mentions/{id}/sentiment")
async def correct_sentiment(request: web.Request) -> web.Response:
    mid, body = mention_id(request), await read_body(request, SENTIMENT)
    label, agent, now = body["label"], agent_of(request), request.app[CLOCK].now()
    check_outcome(mid, await request.app[STORE].correct(mid, label, agent, now))
    return json_response({"id": mid, "label": label, "by": agent})


@routes.get("/api/health")
async def health(request: web.Request) -> web.Response:
    """Answer 200 when every part is ok, else 503; JSON either way. The details (queue
    sizes, connector errors, file paths) go only to a login or an API token."""
    status, body = await health_report(request.app)
    if not isinstance(request.get(auth.USER), auth.User):
        body = {"status": body["status"], "role": body["role"]}  # for load balancers too
    return json_response(body, status=status)


def add_routes(app: web.Application) -> None:
    """Register the API and the page on `app`, with JSON errors for the API."""
    errors.install(app)
    durability.install(app)  # inside the JSON errors, outside everything that writes
    auth.install(app)  # after the JSON errors: they wrap it (sessions go outermost)
    # Bodies are read (in time) only once the sender is known to be signed in.
    front.install(app, config_of(app).server.read_timeout.total_seconds())
    app.add_routes(routes)
    app.add_routes(replies.routes)
    app.add_routes(incidents.routes)
    login.install(app)
    queue.setup(app)
    app.add_routes(queue.routes)
    app.add_routes(audit.routes)
    app.add_routes(config_view.routes)
    app.add_routes(noreply.routes)
    app.add_routes(library.routes)
    app.add_routes(team.routes)
    app.add_routes(snippets.routes)
    app.add_routes(history.routes)
    ack.install(app)
    reports.install(app)
    pages.install(app)
    docs.install(app)
