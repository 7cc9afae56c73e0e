"""Who is asking: the signed-in user (a session cookie or a Bearer token) and their role,
and the CSRF check every write made with a cookie must pass."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any
from urllib.parse import quote

import orjson
from aiohttp import web
from aiohttp_session import get_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError

from responder.accounts import UserConfig
from responder.config import Config
from responder.services import CLOCK, config_of
from responder.web.session_key import SESSIONS, Sessions, digest
from responder.web.validate import ApiError

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Role(IntEnum):
    """What a user may do; each role may do what the ones below it may."""

    AGENT = 1  # work the queue
    LEAD = 2  # also: the audit log, templates, reports
    ADMIN = 3  # also: users and configuration


ROLE_NAMES = {Role.AGENT: "客服", Role.LEAD: "组长", Role.ADMIN: "管理员"}
ROLES = {"agent": Role.AGENT, "lead": Role.LEAD, "admin": Role.ADMIN}


@dataclass(frozen=True, slots=True)
class User:
    name: str  # the login name, recorded as the actor of every action
    role: Role
    display: str = ""  # shown in the UI (defaults to the name)


USER = web.RequestKey("tiexin.user", User)  # where the auth middleware leaves the User
CSRF = web.RequestKey("tiexin.csrf", str)  # and the session's CSRF token
COOKIE = "tiexin_session"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PUBLIC = ("/static/", "/hooks/")  # assets; push platforms prove themselves by signature
# Open to anyone, yet a signed-in user is known to them: monitoring (which shows details
# only to a login or a token), the login page (it checks its own CSRF), and the pages whose
# link is their own authority, a signed token (an ack link opened in the workspace's
# browser acks as that user).
OPEN = frozenset({"/api/health", "/login", "/metrics"})  # /metrics checks its own token
SIGNED = ("/ack/",)
# Pages a browser opens under /api/: without a login they go to the login page, not a 401.
API_PAGES = frozenset({"/api/docs"})


def current_user(request: web.Request) -> User:
    """The user making this request (set by the auth middleware); 401 if nobody signed in."""
    user = request.get(USER)
    if not isinstance(user, User):
        raise ApiError("请先登录", status=401)
    return user


def require(request: web.Request, role: Role) -> User:
    """The current user, if their role reaches `role`; else 403 in Chinese."""
    user = current_user(request)
    if user.role < role:
        raise ApiError(f"需要{ROLE_NAMES[role]}权限", status=403)
    return user


def csrf_token(request: web.Request) -> str:
    """The token a page embeds and sends back on every write (header X-CSRF-Token)."""
    return str(request.get(CSRF, ""))


def new_token() -> str:
    """A random token for CSRF or the API (URL-safe, 256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What config stores of an API token: its SHA-256 (a token is random, so no salt)."""
    # A header's bad bytes arrive as lone surrogates: they hash (to nobody's token), not fail.
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class Directory:
    """The users from config: check a password or an API token, find a user by name."""

    def __init__(self, users: tuple[UserConfig, ...]) -> None:
        self.use(users)
        self._verifier = PasswordHasher()
        self.checks = 0  # passwords checked since start (the login limit keeps it low)

    def use(self, users: tuple[UserConfig, ...]) -> None:
        """Take these users from now on (a config reload)."""
        self._users = {u.name: u for u in users}
        model = users[0].password_hash if users else None
        hasher = (
            PasswordHasher.from_parameters(extract_parameters(model)) if model else PasswordHasher()
        )
        # Unknown names are checked against this, so they take as long as a wrong password.
        self._dummy = hasher.hash(new_token())

    def user(self, name: str) -> User | None:
        found = self._users.get(name)
        if found is None:
            return None
        return User(name=found.name, role=ROLES[found.role], display=found.display or found.name)

    def check_password(self, name: str, password: str) -> User | None:
        """The user if `password` is theirs (CPU-heavy: run it in a thread)."""
        found = self._users.get(name)
        self.checks += 1
        try:
            self._verifier.verify(found.password_hash if found else self._dummy, password)
        except (VerificationError, InvalidHashError):
            return None
        return self.user(name) if found else None

    def names(self) -> list[str]:
        """Every login, in config order."""
        return list(self._users)

    def by_token(self, token: str) -> User | None:
        digest, match = token_hash(token), None
        for user in self._users.values():  # every one compared, in constant time each
            if user.token_hash and hmac.compare_digest(user.token_hash, digest):
                match = user.name
        return self.user(match) if match else None


DIRECTORY = web.AppKey("directory", Directory)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _who(request: web.Request, session: MutableMapping[str, Any]) -> tuple[User | None, bool]:
    """The user and whether a cookie (not a token) said so; a bad token is nobody."""
    directory = request.app[DIRECTORY]
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        return (directory.by_token(token.strip()) if scheme.lower() == "bearer" else None), False
    name, at = session.get("user"), session.get("at")
    if not isinstance(name, str) or not isinstance(at, int | float):
        return None, True
    ttl = config_of(request.app).auth.session_ttl.total_seconds()
    if request.app[CLOCK].now().timestamp() - at > ttl:
        return None, True
    return directory.user(name), True


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Let in the signed-in (and, for writes with a cookie, the CSRF-checked); send the
    rest to the login page, or answer 401 under /api/."""
    path = request.path
    if path.startswith(PUBLIC):
        return await handler(request)
    session = await get_session(request)
    user, by_cookie = _who(request, session)
    request[CSRF] = str(session.get("csrf", ""))
    if path in OPEN or path.startswith(SIGNED):
        if user is not None:
            request[USER] = user
        return await handler(request)
    if user is None:
        if by_cookie and "user" in session:
            session.pop("user", None)  # expired, or the user was removed from config
        if (path.startswith("/api/") and path not in API_PAGES) or request.method != "GET":
            return refuse(401, "请先登录")
        raise web.HTTPFound(f"/login?next={quote(request.path_qs, safe='')}")
    request[USER] = user
    if by_cookie and request.method in WRITES and not await _csrf_ok(request):
        return refuse(403, "CSRF 校验失败，请刷新页面")
    return await handler(request)


def refuse(status: int, message: str) -> web.Response:
    """A JSON refusal (responder.web.common imports this module, so not json_response)."""
    body = orjson.dumps({"error": message})
    return web.Response(body=body, status=status, content_type="application/json")


async def _csrf_ok(request: web.Request) -> bool:
    expected = csrf_token(request)
    sent = request.headers.get("X-CSRF-Token")
    if sent is None and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        sent = str((await request.post()).get("csrf", ""))
    return bool(expected) and sent is not None and same(sent, expected)


def same(sent: str, expected: str) -> bool:
    """Compare in constant time (as bytes: compare_digest refuses non-ASCII str)."""
    return hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode())


def install(app: web.Application) -> None:
    """Add sessions (outermost, so the cookie is written whatever happens) and the auth
    middleware (inside the JSON errors, so a Redis outage at login is a 503)."""
    config = config_of(app)
    app[DIRECTORY] = Directory(config.users)
    if not config.users:
        log.warning("no [[users]] in %s: nobody can sign in (see `tiexin user add`)", config.source)
    auth = config.auth
    secure = auth.cookie_secure
    if secure is None:
        secure = not is_loopback(config.server.host)

    def storage(key: bytes) -> EncryptedCookieStorage:
        return EncryptedCookieStorage(
            key,
            cookie_name=COOKIE,
            max_age=int(auth.session_ttl.total_seconds()),
            secure=secure,
            httponly=True,
            samesite="Lax",
        )

    sessions = Sessions(storage)
    if auth.session_secret is not None:
        sessions.use(digest(auth.session_secret.reveal()))
    # else the runtime gives it the kept key once Redis is open (web/session_key.py)
    app[SESSIONS] = sessions
    app.middlewares.insert(0, sessions.middleware)
    app.middlewares.append(authenticate)
    warn_demo(config)


def warn_demo(config: Config) -> None:
    """Warn when the README's demo login works on a server others can reach."""
    if is_loopback(config.server.host):
        return
    demo = next((u for u in config.users if u.name == "demo"), None)
    if demo is None:
        return
    try:
        PasswordHasher().verify(demo.password_hash, "tiexin")
    except (VerificationError, InvalidHashError):
        return
    log.warning(
        'the demo user "demo" (password "tiexin") can sign in and server.host is %s: '
        "remove it from [[users]] or change its password_hash",
        config.server.host,
    )
