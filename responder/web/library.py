"""The team's best replies in the web app: an approved reply an agent wrote or edited is
remembered until it is sent (then it is a candidate), and leads list, pin and retire
entries (GET /api/drafts/library, POST /api/drafts/library/{id}/pin|retire)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from responder.drafts.brand import Brand, load_brand
from responder.drafts.drafter import channel_of, default_directory
from responder.drafts.manners import Manners, load_manners
from responder.library.pattern import Unfit, make_pattern
from responder.library.store import LISTED, STATES, Library, LibraryError, UnknownEntry
from responder.services import CLOCK, STORE, config_of
from responder.web.auth import Role, require
from responder.web.common import json_response
from responder.web.validate import ApiError

log = logging.getLogger(__name__)
# What recording an approval reads of its mention besides what approving reads.
FIELDS = ("text", "intent", "author_name")

routes = web.RouteTableDef()


def library_of(app: web.Application) -> Library:
    store = app[STORE]
    return Library(store.redis, store.keys, events_maxlen=store.retention.events)


async def approved(
    app: web.Application,
    mid: str,
    row: Mapping[str, str],
    *,
    text: str,
    how: str,
    agent: str,
    overridden: bool,
) -> None:
    """Remember a reply just approved: one written or edited by the agent, on a mention that
    is no crisis and with nothing about one person left once its facts are slots, may become
    an entry once it is sent; any other forgets what an earlier approval left."""
    config = config_of(app).drafts.library
    if not config.enabled:
        return
    pattern = None
    if how in ("written", "edited") and not overridden and row.get("tone") != "crisis":
        brand, manners = _facts(app)
        try:
            pattern = make_pattern(
                row.get("text", ""),
                text,
                author=row.get("author_name", ""),
                author_id=row.get("author_id", ""),
                brand=brand,
                manners=manners,
            )
        except Unfit as exc:
            log.info("library_unfit mention=%s: %s", mid, exc)
    channel = channel_of(row.get("platform", ""), row.get("kind", ""))
    try:
        await library_of(app).approved(
            mid,
            pattern,
            row={**row, "channel": channel},
            how=how,
            agent=agent,
            now=app[CLOCK].now(),
            settle=config.settle,
        )
    except Exception:  # the reply is approved; only the candidate is lost
        log.exception("could not remember the reply to %s for the library", mid)


def _facts(app: web.Application) -> tuple[Brand, Manners]:
    return _facts_in(config_of(app).drafts.templates or default_directory())


@functools.cache
def _facts_in(folder: Path) -> tuple[Brand, Manners]:
    """The brand facts and manners of a templates folder, read once per process."""
    manners = folder / "manners.toml"
    return (
        load_brand(folder / "brand.toml"),
        load_manners(manners if manners.exists() else default_directory() / "manners.toml"),
    )


@routes.get("/api/drafts/library")
async def listing(request: web.Request) -> web.Response:
    """Entries, newest first: `intent`, `state` (candidate, active, pinned, retired,
    failed; default all but failed). Leads and admins."""
    require(request, Role.LEAD)
    state = request.query.get("state", "")
    if state and state not in STATES:
        raise ApiError(f"state must be one of {', '.join(STATES)}", field="state")
    states = (state,) if state else LISTED
    rows = await library_of(request.app).entries(request.query.get("intent") or None, states)
    return json_response({"count": len(rows), "items": [shown(r) for r in rows]})


@routes.post("/api/drafts/library/{id}/pin")
async def pin(request: web.Request) -> web.Response:
    return await _mark(request, "pinned")


@routes.post("/api/drafts/library/{id}/retire")
async def retire(request: web.Request) -> web.Response:
    return await _mark(request, "retired")


async def _mark(request: web.Request, state: str) -> web.Response:
    user = require(request, Role.LEAD)
    library = library_of(request.app)
    try:
        now = request.app[CLOCK].now()
        row = await library.mark(request.match_info["id"], state, user.name, now)
    except LibraryError as exc:
        raise ApiError(str(exc), status=404 if isinstance(exc, UnknownEntry) else 409) from exc
    return json_response({**shown(row), "state": state, "was": row["state"], "by": user.name})


def shown(row: Mapping[str, str]) -> dict[str, Any]:
    """An entry as the API and `tiexin drafts library list --json` give it."""
    return {
        "id": row.get("id", ""),
        "template": f"library/{row.get('id', '')}",
        "state": row.get("state", ""),
        "intent": row.get("intent", ""),
        "tone": row.get("tone", ""),
        "mention": row.get("mention", ""),
        "reply": row.get("reply", ""),
        "slots": row.get("slots", "").split(),
        "agent": row.get("agent", ""),
        "how": row.get("how", ""),
        "platform": row.get("platform", ""),
        "channel": row.get("channel", ""),
        "sent_at": float(row["sent_at"]) if row.get("sent_at") else None,
        "settle_at": float(row["settle_at"]) if row.get("settle_at") else None,
        "reason": row.get("reason", ""),
        **{k: row[k] for k in ("pinned_by", "retired_by", "complaint") if row.get(k)},
    }
