"""The agents' workspace: one server-rendered shell at `/`, its script and style under
`/static/`. The shell carries only what the script cannot fetch (the CSRF token, who is
signed in, the team's time zone and warning margin); the rows come from the JSON API, so
the page and any other client see the same queue."""

from __future__ import annotations

from pathlib import Path

import jinja2
from aiohttp import web

from responder.services import CONFIG
from responder.web.auth import csrf_token, current_user

PAGES = web.AppKey("pages", jinja2.Environment)
# In the templates package (installed next to responder; package-data globs carry them).
STATIC = Path(__file__).resolve().parents[2] / "templates" / "ui" / "static"


async def workspace(request: web.Request) -> web.Response:
    config, user = request.app[CONFIG], current_user(request)
    within, warn = config.sla.respond_within, config.sla.warn_after
    html = (
        request.app[PAGES]
        .get_template("ui/workspace.html")
        .render(
            csrf=csrf_token(request),
            user=user.name,
            display=user.display or user.name,
            timezone=config.drafts.timezone,
            warn_before=int((within - warn).total_seconds()),
        )
    )
    # The shell holds the CSRF token: never let a shared cache keep it.
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    return web.Response(text=html, content_type="text/html", headers=headers)


def install(app: web.Application) -> None:
    """Serve the workspace at `/` and its assets under `/static/` (public, no login)."""
    app[PAGES] = jinja2.Environment(
        loader=jinja2.PackageLoader("templates", "."),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    app.router.add_get("/", workspace)
    app.router.add_static("/static/", STATIC)
