"""Signing in and out: the login page, its rate limit in Redis, and who am I."""

from __future__ import annotations

import asyncio
import math

from aiohttp import web
from aiohttp_session import get_session, new_session
from redis.asyncio import Redis

from responder.services import CLOCK, STORE
from responder.web.auth import (
    DIRECTORY,
    ROLE_NAMES,
    csrf_token,
    current_user,
    new_token,
    same,
)
from responder.web.common import json_response
from responder.web.pages import render

MAX_FAILURES = 5  # tries per login name and per client address (a success is not kept)...
WINDOW = 15 * 60  # ...in this many seconds, then 429 until the window ends
FAILED = "用户名或密码不对"  # the same for an unknown name: names are not to be guessed

routes = web.RouteTableDef()


def safe_next(target: str | None) -> str:
    """Only a path on this site: never `//evil.example` or `https://...` (open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(c in target for c in "\r\n\t\\"):
        return "/"
    return target


async def _page(
    request: web.Request, *, status: int = 200, error: str = "", name: str = ""
) -> web.Response:
    session = await get_session(request)
    if "csrf" not in session:  # a pre-session, so the login form itself is CSRF-checked
        session["csrf"] = new_token()
    return render(
        request,
        "ui/login.html",
        status=status,
        csrf=session["csrf"],
        next=safe_next(request.query.get("next")),
        error=error,
        name=name,
    )


@routes.get("/login")
async def login_page(request: web.Request) -> web.Response:
    return await _page(request)


@routes.post("/login")
async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    name, password = str(form.get("name", "")).strip()[:64], str(form.get("password", ""))
    session = await get_session(request)
    sent, expected = str(form.get("csrf", "")), str(session.get("csrf", ""))
    if not expected or not same(sent, expected):
        return await _page(request, status=403, error="页面已过期，请重新登录", name=name)
    redis, root = request.app[STORE].redis, request.app[STORE].keys.root
    keys = (f"{root}:login:name:{name}", f"{root}:login:ip:{request.remote or '-'}")
    # Every try is counted before its password is checked, in one step: thirty tries sent
    # at once get five checks, not thirty (each check costs the hash's memory and a core).
    wait = await _attempt(redis, keys)
    if wait:
        minutes = max(1, math.ceil(wait / 60))
        message = f"登录失败次数太多，请 {minutes} 分钟后再试"
        return await _page(request, status=429, error=message, name=name)
    directory = request.app[DIRECTORY]
    async with request.app[HASHING]:
        user = await asyncio.to_thread(directory.check_password, name, password)
    if user is None:
        return await _page(request, status=401, error=FAILED, name=name)
    await redis.eval(_SIGNED_IN, len(keys), *keys)
    fresh = await new_session(request)  # a new session on login: no fixation
    fresh["user"] = user.name
    fresh["at"] = request.app[CLOCK].now().timestamp()
    fresh["csrf"] = new_token()
    raise web.HTTPFound(safe_next(str(form.get("next", "/"))))


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    (await get_session(request)).invalidate()
    raise web.HTTPSeeOther("/login")


@routes.get("/api/me")
async def me(request: web.Request) -> web.Response:
    """Who is signed in, and the CSRF token a script sends back on writes."""
    user = current_user(request)
    return json_response(
        {
            "name": user.name,
            "role": user.role.name.lower(),
            "role_label": ROLE_NAMES[user.role],
            "display": user.display,
            "csrf": csrf_token(request),
        }
    )


# Count a try on every key (each window starts at its first try) and answer how many
# milliseconds are left of the longest window already full (0: the try may go ahead). A
# try past the limit is not counted, so a flood does not stretch the wait.
_ATTEMPT = """
local wait = 0
for _, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[1]) then
    wait = math.max(wait, redis.call('PTTL', key))
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[2]) end
end
return 0
"""


# A try that signed in is no failure: the name starts afresh and the address gets its try
# back (an office signs in from one address).
_SIGNED_IN = """
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('DECR', KEYS[2]) end
return 0
"""


async def _attempt(redis: Redis, keys: tuple[str, ...]) -> float:
    """Count a login try; seconds until a name or address may try again (0: go ahead)."""
    left = await redis.eval(_ATTEMPT, len(keys), *keys, MAX_FAILURES, WINDOW * 1000)
    return int(left) / 1000


# Password checks at once: argon2 takes its memory (64 MiB by default) and a core for each.
HASHES = 2
HASHING = web.AppKey("login_hashing", asyncio.Semaphore)


def install(app: web.Application) -> None:
    """The login routes, with their bound on password checks at once."""
    app[HASHING] = asyncio.Semaphore(HASHES)
    app.add_routes(routes)
