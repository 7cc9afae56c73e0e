"""Saved snippets: short texts an agent inserts in a reply by typing `/` and a few letters
of the name. Each agent keeps their own; the team's are kept by leads and admins. A hash
per owner in Redis (name -> text), so every process sees the same ones at once."""

from __future__ import annotations

from aiohttp import web

from responder.services import STORE
from responder.web.auth import Role, current_user, require
from responder.web.common import json_response
from responder.web.validate import ApiError, Body, Field, read_body

SCOPES = ("mine", "team")
MAX_EACH = 200  # snippets per owner: a menu, not a knowledge base
SNIPPET = Body(
    (
        Field(name="scope", max_length=8, required=True, choices=SCOPES),
        Field(name="name", max_length=20, required=True, one_line=True),
        Field(name="text", max_length=500, required=True, visible=True),
    )
)
FORGET = Body(
    (
        Field(name="scope", max_length=8, required=True, choices=SCOPES),
        Field(name="name", max_length=20, required=True, one_line=True),
    )
)

routes = web.RouteTableDef()


def _key(request: web.Request, scope: str) -> str:
    keys = request.app[STORE].keys
    return keys.snippets(None if scope == "team" else current_user(request).name)


@routes.get("/api/snippets")
async def snippets(request: web.Request) -> web.Response:
    """The signed-in agent's snippets and the team's, each sorted by name."""
    redis = request.app[STORE].redis
    mine = await redis.hgetall(_key(request, "mine"))
    team = await redis.hgetall(_key(request, "team"))
    return json_response(
        {
            "mine": [{"name": k, "text": mine[k]} for k in sorted(mine)],
            "team": [{"name": k, "text": team[k]} for k in sorted(team)],
        }
    )


@routes.post("/api/snippets")
async def save(request: web.Request) -> web.Response:
    """Save (or replace) a snippet; the team's need a lead or an admin."""
    body = await read_body(request, SNIPPET)
    scope, name, text = body["scope"], str(body["name"]).strip(), str(body["text"]).strip()
    if scope == "team":
        require(request, Role.LEAD)
    if not name or not text:
        raise ApiError("名称和内容都不能为空", field="name" if not name else "text")
    redis, key = request.app[STORE].redis, _key(request, scope)
    if not await redis.hexists(key, name) and await redis.hlen(key) >= MAX_EACH:
        raise ApiError(f"最多保存 {MAX_EACH} 条，先删掉一些", status=409)
    await redis.hset(key, name, text)
    return json_response({"scope": scope, "name": name, "text": text})


@routes.post("/api/snippets/delete")
async def forget(request: web.Request) -> web.Response:
    """Delete a snippet; the team's need a lead or an admin."""
    body = await read_body(request, FORGET)
    scope, name = body["scope"], str(body["name"]).strip()
    if scope == "team":
        require(request, Role.LEAD)
    if not await request.app[STORE].redis.hdel(_key(request, scope), name):
        raise ApiError(f"没有叫 {name} 的快捷短语", status=404)
    return json_response({"scope": scope, "name": name, "deleted": True})
