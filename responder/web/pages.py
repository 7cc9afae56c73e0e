"""The agents' workspace: one server-rendered shell at `/`, its script and style under
`/static/`. The shell carries only what the script cannot fetch (the CSRF token, who is
signed in, the team's time zone and warning margin); the rows come from the JSON API, so
the page and any other client see the same queue. Leads also get `/audit`, the audit log
rendered on the server (no script) from the same query as GET /api/audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from responder.services import LIVE_CONFIG, config_of
from responder.web import labels
from responder.web.audit import audit_rows, parse_time, parse_types
from responder.web.auth import ROLE_NAMES, Role, csrf_token, current_user
from responder.web.config_view import shown
from responder.web.validate import ApiError

PAGES = web.AppKey("pages", jinja2.Environment)
AUDIT_ROWS = 200  # shown on the page; the CSV export takes up to 10,000
# The shell holds the CSRF token: never let a shared cache keep a page.
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
# In the templates package (installed next to responder; package-data globs carry them).
STATIC = Path(__file__).resolve().parents[2] / "templates" / "ui" / "static"


async def workspace(request: web.Request) -> web.Response:
    config, user = config_of(request.app), current_user(request)
    within, warn = config.sla.respond_within, config.sla.warn_after
    return render(
        request,
        "ui/workspace.html",
        csrf=csrf_token(request),
        user=user.name,
        display=user.display or user.name,
        lead=user.role >= Role.LEAD,
        timezone=config.drafts.timezone,
        warn_before=int((within - warn).total_seconds()),
    )


async def audit(request: web.Request) -> web.Response:
    """The audit log for leads: filters by time range (in the team's zone), actor and
    event type, and a CSV link with the same filters. Agents get a 403 page in Chinese."""
    user = current_user(request)
    if user.role < Role.LEAD:
        need = f"查看操作记录需要{ROLE_NAMES[Role.LEAD]}或{ROLE_NAMES[Role.ADMIN]}权限。"
        return render(request, "ui/forbidden.html", status=403, message=need)
    config = config_of(request.app)
    zone = ZoneInfo(config.drafts.timezone)
    asked = {k: request.query.get(k, "").strip()[:64] for k in ("since", "until", "actor", "type")}
    rows: list[dict[str, Any]] = []
    error, status = "", 200
    try:
        since = parse_time(asked["since"], zone, "since")
        until = parse_time(asked["until"], zone, "until")
        rows = await audit_rows(
            request, since, until, parse_types(asked["type"]), asked["actor"], AUDIT_ROWS, zone
        )
    except ApiError as exc:
        error, status = f"筛选条件有误：{exc.message}", 400
    chosen = {k: v for k, v in asked.items() if v}
    return render(
        request,
        "ui/audit.html",
        status=status,
        csrf=csrf_token(request),
        display=user.display or user.name,
        timezone=str(zone),
        asked=asked,
        rows=[{**row, "when": row["at_local"][:19].replace("T", " ")} for row in rows],
        full=len(rows) >= AUDIT_ROWS,
        error=error,
        actors=[u.name for u in config.users],
        actor_names=labels.actors(config),
        events=labels.EVENTS,
        csv="/api/audit?" + urlencode({**chosen, "format": "csv"}),
    )


async def effective_config(request: web.Request) -> web.Response:
    """The config in effect, read-only, for admins (GET /api/admin/config as a page)."""
    user = current_user(request)
    if user.role < Role.ADMIN:
        need = f"查看配置需要{ROLE_NAMES[Role.ADMIN]}权限。"
        return render(request, "ui/forbidden.html", status=403, message=need)
    live = request.app[LIVE_CONFIG]
    zone = ZoneInfo(live.current.drafts.timezone)
    return render(
        request,
        "ui/config.html",
        csrf=csrf_token(request),
        display=user.display or user.name,
        version=live.version,
        loaded_at=f"{live.loaded_at.astimezone(zone):%Y-%m-%d %H:%M:%S}" if live.loaded_at else "",
        by=live.by,
        refused=live.refused,
        text=json.dumps(shown(live.current), ensure_ascii=False, indent=2),
    )


def render(request: web.Request, name: str, /, *, status: int = 200, **values: Any) -> web.Response:
    html = request.app[PAGES].get_template(name).render(**values)
    return web.Response(text=html, status=status, content_type="text/html", headers=NO_STORE)


def install(app: web.Application) -> None:
    """Serve the workspace at `/`, the audit log at `/audit` and the assets under
    `/static/` (public, no login)."""
    app[PAGES] = jinja2.Environment(
        loader=jinja2.PackageLoader("templates", "."),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    app.router.add_get("/", workspace)
    app.router.add_get("/audit", audit)
    app.router.add_get("/admin/config", effective_config)
    app.router.add_static("/static/", STATIC)
