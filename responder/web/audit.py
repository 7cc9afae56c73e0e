"""The audit log: who did what to which mention and when, from the global event stream,
newest first; JSON for the page, CSV for Excel. Leads and admins only."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from aiohttp import web

from responder.cells import safe_cells as safe_cells
from responder.clock import from_epoch
from responder.services import CLOCK, STORE, config_of
from responder.store.records import stream_events
from responder.web import labels
from responder.web.auth import Role, require
from responder.web.common import json_response
from responder.web.validate import ApiError, int_param

CHUNK = 1000  # stream entries read per round trip
# Events are appended in time order up to small clock differences between processes:
# walking back, stop this far past `since`.
SLACK = timedelta(minutes=5)
# Where each kind of event keeps the words that matter (the reply sent, the reason).
TEXT_OF = {
    "approved": "reply_text",
    "dismissed": "dismiss_reason",
    "corrected": "label",
    "intent_corrected": "intent",
    "marked_sent": "posted_url",
    "marked_no_reply": "reason",
    "needs_reply": "note",
    "noted": "note",
    "handed_off": "note",
    "library_pinned": "reply",
    "library_retired": "reply",
    "linked": "account",
    "unlinked": "account",
    "config_reloaded": "summary",
}
HEADERS = ("时间", "操作人", "操作", "提及ID", "提及内容", "内容", "详情")

routes = web.RouteTableDef()


@routes.get("/api/audit")
async def audit(request: web.Request) -> web.StreamResponse:
    """`since`, `until` (ISO times; without an offset, the team's zone), `actor`, `type`
    (comma-separated event types, or "all"; default: people's actions), `limit`,
    `format=csv`."""
    require(request, Role.LEAD)
    zone = ZoneInfo(config_of(request.app).drafts.timezone)
    query = request.query
    since = parse_time(query.get("since"), zone, "since")
    until = parse_time(query.get("until"), zone, "until")
    types = parse_types(query.get("type"))
    actor = query.get("actor", "")
    form = query.get("format", "json")
    if form not in ("json", "csv"):
        raise ApiError("format must be json or csv", field="format")
    limit = int_param(request, "limit", 200 if form == "json" else 10_000, 1, 10_000)
    rows = await audit_rows(request, since, until, types, actor, limit, zone)
    if form == "csv":
        return _csv(rows, zone, request.app[CLOCK].now())
    return json_response({"timezone": str(zone), "count": len(rows), "items": rows})


async def audit_rows(
    request: web.Request,
    since: datetime | None,
    until: datetime | None,
    types: frozenset[str] | None,
    actor: str,
    limit: int,
    zone: ZoneInfo,
) -> list[dict[str, Any]]:
    store = request.app[STORE]
    low = since.timestamp() if since else None
    high = until.timestamp() if until else None
    rows: list[dict[str, Any]] = []
    top = "+"
    while len(rows) < limit:
        entries = cast(
            list[tuple[str, dict[str, str]]],
            await store.redis.xrevrange(store.keys.events, max=top, min="-", count=CHUNK),
        )
        for ev, mention, own in _newest_first(entries):
            at = float(ev.get("at", 0))
            if own and low is not None and at < low - SLACK.total_seconds():
                return rows
            if (low is not None and at < low) or (high is not None and at >= high):
                continue
            if types is not None and ev.get("type") not in types:
                continue
            if actor and ev.get("actor") != actor:
                continue
            rows.append(_row(mention, ev, zone))
            if len(rows) >= limit:
                break
        if len(entries) < CHUNK:
            break
        top = "(" + entries[-1][0]
    await _named(request, rows)
    return rows


TEXT_SHOWN = 60  # characters of a mention's text the log shows beside its id


async def _named(request: web.Request, rows: list[dict[str, Any]]) -> None:
    """Say who acted and what about as people read it: the actor's display name (系统 for
    the system's own), the mention's text (gone once a closed mention expired)."""
    config = config_of(request.app)
    names = labels.actors(config)
    ids = list(dict.fromkeys(r["mention"] for r in rows if r["mention"]))
    found = await request.app[STORE].mentions(ids, ["id", "text"]) if ids else []
    texts = {f["id"]: f.get("text", "") for f in found}
    for row in rows:
        actor = row["actor"]
        row["actor_label"] = names.get(actor) or (f"系统（{actor}）" if actor else "系统")
        text = texts.get(row["mention"], "")
        row["mention_text"] = text[:TEXT_SHOWN] + ("…" if len(text) > TEXT_SHOWN else "")


def _newest_first(
    entries: list[tuple[str, dict[str, str]]],
) -> Iterator[tuple[dict[str, Any], str, bool]]:
    """Each event of `entries` (read newest first), newest first, with its mention and
    whether it is its entry's own: an entry of the pipeline's steps stands for those
    before it too (records.stream_events), taken in maybe long before it was queued, so
    only an entry's own time says where the walk back may stop."""
    for _, fields in entries:
        events = stream_events(fields)
        for n, ev in enumerate(reversed(events)):
            yield ev, fields["mention"], n == 0


def _row(mention: str, ev: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    kind = str(ev.get("type", ""))
    at = from_epoch(float(ev.get("at", 0)))
    text_key = TEXT_OF.get(kind)
    details = {k: v for k, v in ev.items() if k not in ("type", "at", "actor", text_key)}
    return {
        "at": at.isoformat(),
        "at_local": at.astimezone(zone).isoformat(),
        "actor": ev.get("actor", ""),
        "type": kind,
        "type_label": labels.EVENTS.get(kind, kind),
        "mention": mention,
        "text": str(ev.get(text_key, "")) if text_key else "",
        "details": details,
    }


def _csv(rows: list[dict[str, Any]], zone: ZoneInfo, now: datetime) -> web.Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in rows:
        local = datetime.fromisoformat(row["at_local"])
        details = json.dumps(row["details"], ensure_ascii=False) if row["details"] else ""
        cells = (f"{local:%Y-%m-%d %H:%M:%S}", row["actor_label"], row["type_label"])
        said = (row["mention"], row["mention_text"], row["text"], details)
        writer.writerow(safe_cells((*cells, *said)))
    return csv_response(out.getvalue(), f"tiexin-audit-{now.astimezone(zone):%Y%m%d-%H%M}.csv")


def csv_response(text: str, filename: str) -> web.Response:
    """CSV as a download Excel opens right: UTF-8 with a BOM (which tells Excel so)."""
    return web.Response(
        body=("\ufeff" + text).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def parse_time(value: str | None, zone: ZoneInfo, name: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ApiError(
            f"{name} must be an ISO time such as 2026-12-03T09:00 or 2026-12-03T01:00Z",
            field=name,
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def parse_types(value: str | None) -> frozenset[str] | None:
    """The event types asked for; None: every type."""
    if not value:
        return frozenset(labels.AUDITED)
    if value == "all":
        return None
    asked = frozenset(t.strip() for t in value.split(",") if t.strip())
    unknown = sorted(asked - set(labels.EVENTS))
    if unknown:
        raise ApiError(f"unknown event type {unknown[0][:64]!r}; see GET /api/meta", field="type")
    return asked
