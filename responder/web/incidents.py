"""Crisis incidents over HTTP: an incident with its members, what a mention's detail adds,
who may approve, and choosing the incident's next row after an answer."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from responder.incidents.approval import LEAD_REQUIRED, lead_reason
from responder.incidents.store import IncidentStore
from responder.services import CLOCK, STORE, config_of
from responder.store.views import to_api
from responder.web.auth import Role, current_user
from responder.web.common import json_response
from responder.web.validate import ApiError, mention_id

log = logging.getLogger(__name__)
# What the approval rule and the next row need of a mention, besides what approving reads.
FIELDS = ("crisis", "role", "author_followers", "incident_id")

routes = web.RouteTableDef()


def incidents(app: web.Application) -> IncidentStore:
    store = app[STORE]
    return IncidentStore(
        store.redis, store.keys, config_of(app).incidents, events_maxlen=store.retention.events
    )


@routes.get("/api/incidents/{id}")
async def incident(request: web.Request) -> web.Response:
    """An incident: size, reach, lead, its members (oldest first) and its spread."""
    iid = mention_id(request)  # an incident is named after the mention that opened it
    found = await incidents(request.app).read(iid)
    if found is None:
        raise ApiError(f"no incident with id {iid}", status=404)
    now = request.app[CLOCK].now()
    rows = await request.app[STORE].mentions(found["members"])
    return json_response({**found, "members": [to_api(r, now) for r in rows]})


async def detail(request: web.Request, fields: dict[str, str]) -> dict[str, Any]:
    """What a mention's detail adds: its incident as it is now, with who each member is, and
    whether approving it needs a lead (`approval`: the reason, shown before pressing)."""
    out: dict[str, Any] = {}
    iid = fields.get("incident_id")
    if iid:
        found = await incidents(request.app).read(iid)
        if found is not None:
            out["incident"] = {
                **summary_of(found),
                "members": await members(request.app, found["members"]),
            }
    reason = lead_reason(fields, config_of(request.app).incidents.big_account)
    user = current_user(request)
    out["approval"] = {
        "lead_required": bool(reason),
        "reason": reason or None,
        "allowed": not reason or user.role >= Role.LEAD,
    }
    return out


def summary_of(found: dict[str, Any]) -> dict[str, Any]:
    return {k: found[k] for k in ("id", "size", "reach", "lead")}


def check_approver(request: web.Request, fields: dict[str, str]) -> None:
    """Refuse (403 `lead_required`) an agent's approval a lead or an admin must give."""
    reason = lead_reason(fields, config_of(request.app).incidents.big_account)
    if reason and current_user(request).role < Role.LEAD:
        raise ApiError(reason, status=403, details={"code": LEAD_REQUIRED})


async def answered(app: web.Application, mid: str, iid: str) -> None:
    """A member was answered or dismissed: the incident's next open member takes its row.
    Best effort: the answer stands whatever happens here (the next join re-pins)."""
    if not iid:
        return
    try:
        await incidents(app).repin(iid, mid, app[CLOCK].now())
    except Exception:
        log.exception("incident %s: choosing its next row after %s failed", iid, mid)


MEMBER_FIELDS = ("platform", "author_name", "author_followers", "role", "state", "text")
MEMBERS_SHOWN = 50  # the newest members past this are counted in `size`, not listed


async def members(app: web.Application, ids: list[str]) -> list[dict[str, Any]]:
    """An incident's members as a person reads them: platform, who, what they said."""
    rows = await app[STORE].mentions(ids[:MEMBERS_SHOWN], ["id", *MEMBER_FIELDS])
    return [
        {
            "id": r["id"],
            "platform": r.get("platform", ""),
            "name": r.get("author_name", ""),
            "followers": int(r.get("author_followers") or 0),
            "role": r.get("role", ""),
            "state": r.get("state", ""),
            "text": r.get("text", "")[:60],
        }
        for r in rows
    ]
