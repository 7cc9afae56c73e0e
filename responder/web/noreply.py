"""无需回复: the view of mentions that need no answer, and the two moves an agent makes
between it and the queue.

Moving a mention into the queue starts its timer then (`respond_within` from that moment,
not from when it was written): it was set aside on purpose, and a timer already breached
would page at once for a mention nobody had been asked to answer.
"""

from __future__ import annotations

from aiohttp import web

from responder.drafts.priority import sort_key
from responder.services import CLOCK, STORE, config_of
from responder.store.noreply import NoReply, Timer
from responder.store.people import ACCOUNT_FIELDS, mark_of
from responder.store.views import to_api
from responder.web import labels
from responder.web.common import agent_of, check_outcome, json_response, unknown
from responder.web.validate import ApiError, Body, Field, int_param, mention_id, read_body

NOTE = Field(name="note", max_length=500, visible=True)
BACK = Body((NOTE,), optional=True)
ASIDE = Body(
    (Field(name="reason", max_length=32, choices=tuple(labels.NO_REPLY_REASONS)), NOTE),
    optional=True,
)
# What the moves read of a mention first.
_FIELDS = ("state", "account", "priority", "crisis", "role", *ACCOUNT_FIELDS)

routes = web.RouteTableDef()


async def page(request: web.Request) -> web.Response:
    """GET /api/queue?view=no_reply: the mentions set aside, newest first, each with its
    reason; `reasons` counts every mention set aside so far by reason (stats)."""
    limit = int_param(request, "limit", 100, 1, 1000)
    offset = int_param(request, "offset", 0, 0, 10**9)
    store, now = request.app[STORE], request.app[CLOCK].now()
    total, ids = await NoReply(store).page(limit, offset)
    items = [to_api(row, now) for row in await store.mentions(ids)]
    return json_response(
        {
            "now": now.isoformat(),
            "total": total,
            "items": items,
            "reasons": await reason_counts(request.app),
        }
    )


async def reason_counts(app: web.Application) -> dict[str, int]:
    """How many mentions the pipeline set aside, by reason (the stats' no_reply:*)."""
    stats = await app[STORE].stats()
    prefix = "no_reply:"
    return {k[len(prefix) :]: n for k, n in stats.items() if k.startswith(prefix)}


@routes.post("/api/mentions/{id}/needs_reply")
async def needs_reply(request: web.Request) -> web.Response:
    """Move a mention from 无需回复 into the queue, its timer starting now."""
    mid, body = mention_id(request), await read_body(request, BACK)
    store, now, agent = request.app[STORE], request.app[CLOCK].now(), agent_of(request)
    row = await store.mention(mid, _FIELDS)
    if row is None:
        raise unknown(mid)
    within, warn = config_of(request.app).sla.for_account(row["platform"], row["account"])
    deadline = now + within
    crisis, base = bool(row.get("crisis")), float(row.get("priority") or 0)
    timer = Timer(
        start=now,
        deadline=deadline,
        warn_at=now + warn,
        order=sort_key(0.0, deadline.timestamp(), crisis=crisis),
        rank=sort_key(base, deadline.timestamp(), crisis=crisis),
    )
    outcome = await NoReply(store).needs_reply(mid, agent, timer, str(body.get("note", "")))
    check_outcome(mid, outcome)
    return json_response(
        {"id": mid, "state": "queued", "by": agent, "deadline": deadline.isoformat()}
    )


@routes.post("/api/mentions/{id}/no_reply")
async def no_reply(request: web.Request) -> web.Response:
    """Set an open mention aside as needing no answer (`reason`: a code of
    /api/meta's no_reply_reasons, default "other"); needs_reply takes it back."""
    mid, body = mention_id(request), await read_body(request, ASIDE)
    store, now, agent = request.app[STORE], request.app[CLOCK].now(), agent_of(request)
    row = await store.mention(mid, _FIELDS)
    if row is None:
        raise unknown(mid)
    if row.get("crisis") and row.get("role", "customer") == "customer":
        raise ApiError("危机中的当事人一定要回复，不能标记为无需回复", status=409)
    reason = str(body.get("reason") or "other")
    note = str(body.get("note", ""))
    mark = mark_of(store.keys, row)  # the customer's history
    outcome = await NoReply(store).set_aside(mid, agent, now, reason, note, mark)
    check_outcome(mid, outcome)
    return json_response(
        {"id": mid, "state": "no_reply", "reason": reason, "by": agent, "at": now.isoformat()}
    )
