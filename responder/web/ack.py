"""Acknowledging pages: the page an ack link opens (no login: the signed token is the
authority) and the workspace's ack button (POST /api/mentions/{id}/ack).

Opening the link never acknowledges anything (chat apps fetch links to preview them);
only its button's POST does. A signed-in browser acks as its user, anyone else as the
person the page went to."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from aiohttp import web

from responder.alerts.ack import AckError, AckTarget, AckTokens, load_tokens
from responder.alerts.acking import Ack, Acks, Via
from responder.alerts.links import mention_link, queue_link
from responder.services import CLOCK, STORE, config_of
from responder.store.records import OPEN_STATES
from responder.store.stages import Stage
from responder.store.views import API_FIELDS
from responder.web import labels
from responder.web.auth import USER, User, csrf_token, same
from responder.web.common import agent_of, json_response, unknown
from responder.web.pages import render
from responder.web.validate import Body, mention_id, read_body

SHOWN = 5  # mentions of a group listed on its ack page
ANONYMOUS = "ack-link"  # the actor when the token names nobody and nobody is signed in
FIELDS = ("id", "platform", "kind", "account", "author_name", "text", "deadline", "state")
STAGES = {
    Stage.WARNED: "即将超时",
    Stage.BREACHED: "已超时",
    Stage.ESCALATED: "已升级",
    Stage.CRISIS: "危机",
}
ACK_BODY = Body((), optional=True)
TOKEN_IN_PATH = re.compile(r"/ack/[^\s?\"]+")

routes = web.RouteTableDef()


class AckDesk:
    """The app's ack tokens and ack script, made on first use: the store opens with the
    app, after the routes are set up."""

    def __init__(self) -> None:
        self._tokens: AckTokens | None = None
        self._acks: Acks | None = None

    async def tokens(self, app: web.Application) -> AckTokens:
        if self._tokens is None:  # two first requests at once agree: the secret is shared
            self._tokens = await load_tokens(config_of(app).alerts, app[STORE], app[CLOCK])
        return self._tokens

    def acks(self, app: web.Application) -> Acks:
        if self._acks is None:
            self._acks = Acks(app[STORE])
        return self._acks


ACK_DESK = web.AppKey("ack_desk", AckDesk)


@routes.get("/ack/{token}")
async def ack_page(request: web.Request) -> web.Response:
    """What the link acknowledges, and a button to do it. Never acks by itself."""
    try:
        target = await _target(request)
    except AckError as exc:
        return _refused(request, exc)
    shown = await _describe(request, target)
    if shown is None:
        return _gone(request)
    return _page(request, target, shown, acked=None)


@routes.post("/ack/{token}")
async def ack_post(request: web.Request) -> web.Response:
    try:
        target = await _target(request)
    except AckError as exc:
        return _refused(request, exc)
    form = await request.post()
    actor = _actor(request, target, str(form.get("csrf", "")))
    desk, now = request.app[ACK_DESK], request.app[CLOCK].now()
    acked: Ack | None
    if target.kind == "m":
        acked = await desk.acks(request.app).mention(target.id, actor, now, "link")
    else:
        group = await desk.acks(request.app).group(target.id, actor, now, "link")
        acked = group.ack if group else None
    shown = await _describe(request, target)
    if acked is None or shown is None:
        return _gone(request)
    return _page(request, target, shown, acked=acked)


@routes.post("/api/mentions/{id}/ack")
async def ack_api(request: web.Request) -> web.Response:
    """Acknowledge a mention's page from the workspace: it stops escalating."""
    mid = mention_id(request)
    await read_body(request, ACK_BODY)
    acked = await ack_mention(request, mid, agent_of(request), "ui")
    if acked is None:
        raise unknown(mid)
    return json_response(
        {"acked": True, "by": acked.by, "at": acked.at.isoformat(), "first": acked.now}
    )


async def ack_mention(request: web.Request, mid: str, actor: str, via: Via) -> Ack | None:
    now = request.app[CLOCK].now()
    return await request.app[ACK_DESK].acks(request.app).mention(mid, actor, now, via)


async def _target(request: web.Request) -> AckTarget:
    tokens = await request.app[ACK_DESK].tokens(request.app)
    return tokens.read(request.match_info["token"])


def _actor(request: web.Request, target: AckTarget, sent_csrf: str) -> str:
    """The signed-in user if the form came from our page (its CSRF token), else the person
    the link was sent to."""
    user = request.get(USER)
    expected = csrf_token(request)
    if isinstance(user, User) and expected and same(sent_csrf, expected):
        return user.name
    return target.person or ANONYMOUS


async def _describe(request: web.Request, target: AckTarget) -> dict[str, Any] | None:
    """What the page shows of the target; None if it is gone."""
    store, app = request.app[STORE], request.app
    zone = ZoneInfo(config_of(app).drafts.timezone)
    now = app[CLOCK].now()
    if target.kind == "m":
        row = await store.mention(target.id, (*FIELDS, "acked_by", "acked_at"))
        if row is None or "deadline" not in row:
            return None
        return {"mention": _mention(row, now, zone), "group": None, "ack": _ack_of(row, zone)}
    k = store.keys
    group = cast(dict[str, str], await store.redis.hgetall(k.alert_group(target.id)))
    if not group:
        return None
    ids = sorted(cast(set[str], await store.redis.smembers(k.alert_group_members(target.id))))
    rows = await store.mentions(ids, API_FIELDS)
    rows.sort(key=lambda r: float(r.get("deadline", 0)))
    return {
        "mention": None,
        "group": {
            "count": len(ids),
            "stage": _stage_label(group.get("stage", "")),
            "queue": queue_link("", sort="deadline"),
            "shown": [_mention(r, now, zone) for r in rows[:SHOWN]],
        },
        "ack": _ack_of(group, zone),
    }


def _mention(row: dict[str, str], now: datetime, zone: ZoneInfo) -> dict[str, Any]:
    left = float(row["deadline"]) - now.timestamp()
    where = labels.PLATFORMS.get(row["platform"], row["platform"])
    open_ = row.get("state") in OPEN_STATES
    return {
        "where": where + labels.KINDS.get(row.get("kind", ""), ""),
        "account": row.get("account", ""),
        "author": row.get("author_name", ""),
        "text": row.get("text", ""),
        "deadline": _local(row["deadline"], zone),
        "left": (("剩 " if left >= 0 else "已超时 ") + _duration(left)) if open_ else "",
        "late": left < 0,
        "state": labels.STATES.get(row.get("state", ""), row.get("state", "")),
        "link": mention_link("", row["id"]),
    }


def _stage_label(value: str) -> str:
    """A group's stage as people say it (groups opened before stages had one spelling
    stored "warn", "breach", "escalate")."""
    stage = Stage.read(value)
    return STAGES[stage] if stage else ""


def _ack_of(fields: dict[str, str], zone: ZoneInfo) -> dict[str, str] | None:
    if not fields.get("acked_at"):
        return None
    return {"by": fields.get("acked_by", ""), "at": _local(fields["acked_at"], zone)}


def _page(
    request: web.Request, target: AckTarget, shown: dict[str, Any], *, acked: Ack | None
) -> web.Response:
    zone = ZoneInfo(config_of(request.app).drafts.timezone)
    done = None
    if acked is not None:
        done = {"by": acked.by, "at": _local(str(acked.at.timestamp()), zone), "now": acked.now}
    return render(
        request,
        "ui/ack.html",
        action=request.path,
        csrf=csrf_token(request) if isinstance(request.get(USER), User) else "",
        done=done,
        timezone=str(zone),
        **shown,
    )


def _refused(request: web.Request, exc: AckError) -> web.Response:
    return render(request, "ui/ack_error.html", status=exc.status, message=exc.message)


def _gone(request: web.Request) -> web.Response:
    message = "找不到这条告警：它可能早已处理完并过期。请到工作台查看。"
    return render(request, "ui/ack_error.html", status=404, message=message)


def _local(epoch: str, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(float(epoch), zone).strftime("%m-%d %H:%M:%S")


def _duration(seconds: float) -> str:
    s = int(abs(seconds))
    hours, minutes, rest = s // 3600, (s % 3600) // 60, s % 60
    head = (f"{hours}小时" if hours else "") + (f"{minutes}分" if hours or minutes else "")
    return f"{head}{rest}秒"


class HideTokens(logging.Filter):
    """Take ack tokens out of access-log lines: a token is the authority to ack, and log
    files travel further than pages."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "/ack/" in record.msg:
            record.msg = TOKEN_IN_PATH.sub(
                "/ack/…", record.msg % record.args if record.args else record.msg
            )
            record.args = None
        for name in ("first_request_line", "request_path"):  # the line's parts, as extras
            value = getattr(record, name, None)
            if isinstance(value, str) and "/ack/" in value:
                setattr(record, name, TOKEN_IN_PATH.sub("/ack/…", value))
        return True


def install(app: web.Application) -> None:
    """Serve the ack page and the API's ack, and keep their tokens out of the access log."""
    app[ACK_DESK] = AckDesk()
    app.add_routes(routes)
    access = logging.getLogger("aiohttp.access")
    if not any(isinstance(f, HideTokens) for f in access.filters):
        access.addFilter(HideTokens())
