"""Team tools over the API: internal notes on a mention, handing it to a colleague,
letting go of a claim, and the away status that keeps hand-offs from someone on a break."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from responder.clock import from_epoch
from responder.services import CLOCK, STORE
from responder.store.store import Outcome, Result
from responder.store.team import Team
from responder.web.auth import DIRECTORY, current_user
from responder.web.common import check_outcome, json_response, unknown
from responder.web.validate import ApiError, Body, Field, mention_id, read_body

NOTE = Body((Field(name="text", max_length=1000, required=True, visible=True),))
HANDOFF = Body(
    (
        Field(name="to", max_length=64, required=True, one_line=True),
        Field(name="note", max_length=500, visible=True),
    )
)
AWAY = Body((Field(name="away", kind=bool, required=True),))
EMPTY = Body((), optional=True)
# A hand-off holds the mention for the colleague this long (their open page renews it).
HANDOFF_CLAIM = timedelta(minutes=30)
_RESULTS = {1: Result.OK, 0: Result.NOT_OPEN, -1: Result.UNKNOWN, 2: Result.CLAIMED, 6: Result.HELD}

routes = web.RouteTableDef()


@routes.post("/api/mentions/{id}/notes")
async def note(request: web.Request) -> web.Response:
    """Leave a note for colleagues on a mention (any state); it is never sent."""
    mid, body = mention_id(request), await read_body(request, NOTE)
    user, now = current_user(request), request.app[CLOCK].now()
    text = str(body["text"]).strip()
    if not text:
        raise ApiError("备注不能为空", field="text")
    if not await Team(request.app[STORE]).note(mid, user.name, now, text):
        raise unknown(mid)
    return json_response({"id": mid, "by": user.name, "at": now.isoformat(), "text": text})


@routes.post("/api/mentions/{id}/handoff")
async def hand_off(request: web.Request) -> web.Response:
    """Give an open mention to a named colleague: they hold its claim (30 minutes, renewed
    while they have it open) and their page tells them. Not to oneself, an unknown login,
    or someone away."""
    mid, body = mention_id(request), await read_body(request, HANDOFF)
    user, now = current_user(request), request.app[CLOCK].now()
    to = str(body["to"]).strip()
    colleague = request.app[DIRECTORY].user(to)
    if colleague is None:
        raise ApiError(f"没有叫 {to} 的同事", field="to")
    if colleague.name == user.name:
        raise ApiError("不能转给自己", field="to")
    team = Team(request.app[STORE])
    if colleague.name in await team.away():
        raise ApiError(
            f"{colleague.display} 暂时离开了，先转给别人吧", status=409, details={"code": "away"}
        )
    note_text = str(body.get("note", "")).strip()
    code, value = await team.hand_off(mid, user.name, colleague.name, now, HANDOFF_CLAIM, note_text)
    check_outcome(mid, Outcome(result=_RESULTS[code], detail=value))
    until = (now + HANDOFF_CLAIM).isoformat()
    return json_response({"id": mid, "to": colleague.name, "by": user.name, "until": until})


@routes.post("/api/mentions/{id}/release")
async def release(request: web.Request) -> web.Response:
    """Let go of one's own unexpired claim (the page does when its agent leaves a mention
    they claimed without writing anything). 409 `not_holder` when it is not theirs."""
    mid = mention_id(request)
    await read_body(request, EMPTY)
    user, now = current_user(request), request.app[CLOCK].now()
    code, value = await Team(request.app[STORE]).release(mid, user.name, now)
    if code == 0:
        raise ApiError(
            f"这条不在你名下（{value or '没有人'}认领）",
            status=409,
            details={"code": "not_holder", "claimed_by": value or None},
        )
    check_outcome(mid, Outcome(result=_RESULTS[code], detail=value))
    return json_response({"id": mid, "released": True, "by": user.name})


@routes.get("/api/team")
async def team(request: web.Request) -> web.Response:
    """The colleagues one may hand a mention to: each login, display name and whether they
    are away (and since when)."""
    current_user(request)
    away = await Team(request.app[STORE]).away()
    directory = request.app[DIRECTORY]
    people = []
    for name in directory.names():
        found = directory.user(name)
        if found is None:
            continue
        since = away.get(name)
        people.append(
            {
                "name": name,
                "display": found.display,
                "away": since is not None,
                "away_since": None if since is None else _iso(since),
            }
        )
    return json_response({"people": people})


@routes.post("/api/me/away")
async def set_away(request: web.Request) -> web.Response:
    """Say one is on a break (`{"away": true}`) or back (`false`): no hand-offs meanwhile."""
    body = await read_body(request, AWAY)
    user, now = current_user(request), request.app[CLOCK].now()
    await Team(request.app[STORE]).set_away(user.name, bool(body["away"]), now)
    return json_response({"name": user.name, "away": bool(body["away"]), "at": now.isoformat()})


def _iso(epoch: float) -> str:
    return from_epoch(epoch).isoformat()
