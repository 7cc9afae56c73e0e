"""Who is asking: the signed-in user and their role. (Stub until logins land: everyone is
the local admin. The login work replaces the inside of these functions, not their names.)"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from aiohttp import web

from responder.web.validate import ApiError


class Role(IntEnum):
    """What a user may do; each role may do what the ones below it may."""

    AGENT = 1  # work the queue
    LEAD = 2  # also: the audit log, templates, reports
    ADMIN = 3  # also: users and configuration


ROLE_NAMES = {Role.AGENT: "客服", Role.LEAD: "组长", Role.ADMIN: "管理员"}


@dataclass(frozen=True, slots=True)
class User:
    name: str  # the login name, recorded as the actor of every action
    role: Role
    display: str = ""  # shown in the UI (defaults to the name)


USER = "tiexin.user"  # where the auth middleware leaves the request's User
LOCAL = User(name="local", role=Role.ADMIN, display="本机")


def current_user(request: web.Request) -> User:
    """The user making this request (set by the auth middleware)."""
    user = request.get(USER)
    return user if isinstance(user, User) else LOCAL


def require(request: web.Request, role: Role) -> User:
    """The current user, if their role reaches `role`; else 403 in Chinese."""
    user = current_user(request)
    if user.role < role:
        raise ApiError(f"需要{ROLE_NAMES[role]}权限", status=403)
    return user


def csrf_token(request: web.Request) -> str:
    """The token a page embeds and sends back on every write (header X-CSRF-Token)."""
    return ""
