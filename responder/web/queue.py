"""The workspace's reads and one correction: the queue's views, filters and search, the
Chinese labels (GET /api/meta) and an agent's correction of a mention's intent."""

from __future__ import annotations

import asyncio

import orjson
from aiohttp import web

from responder.services import CLOCK, STORE, config_of
from responder.store.index import QueueFilter
from responder.store.intent import IntentStore
from responder.store.records import State
from responder.store.views import to_api
from responder.web import filtered, labels, noreply
from responder.web.auth import ROLE_NAMES, current_user
from responder.web.common import json_response, unknown
from responder.web.validate import ApiError, Body, Field, check, int_param, mention_id, read_body

SORTS = ("deadline", "priority")  # a crisis comes first in both
NO_REPLY_VIEW = "no_reply"  # not a filter of the queue: mentions out of it (web/noreply)
VIEWS = tuple(v for v in labels.VIEWS if v != NO_REPLY_VIEW)
QUEUE_STATES = (str(State.QUEUED), str(State.FAILED), "open")
# Free-text filters: a name is short; a keyword no longer than a sentence.
NAMES = {"platform": 64, "account": 64, "kind": 64, "q": 100}

INTENT = Body((Field(name="intent", max_length=64, required=True, choices=tuple(labels.INTENTS)),))

routes = web.RouteTableDef()


@routes.get("/api/queue")
async def queue(request: web.Request) -> web.Response:
    """Open mentions in queue order: `total` counts every match, `items` is the page."""
    limit = int_param(request, "limit", 100, 1, 1000)
    offset = int_param(request, "offset", 0, 0, 10**9)
    by = _choice(request, "sort", SORTS, "deadline")
    if request.query.get("view") == NO_REPLY_VIEW:
        return await noreply.page(request)
    want = queue_filter(request)
    if not want.active():
        body = await _shared_page(request.app, (limit, offset, by))
        return web.Response(body=body, content_type="application/json")
    body = await filtered.answer(request.app, want, limit, offset, by)
    return web.Response(body=body, content_type="application/json")


Page = tuple[int, int, str]  # limit, offset, sort of an unfiltered read
PAGES = web.AppKey("queue_pages", dict[Page, asyncio.Task[bytes]])


async def _shared_page(app: web.Application, page: Page) -> bytes:
    """The unfiltered page as JSON, read for this request or with others asking the same.

    Every agent's page reads the head of the queue, so requests arrive together; those
    that arrive before a read has been sent to Redis share it (one script, one encoding).
    The read leaves the table before it is sent, so a request never joins a read sent
    before it arrived: an agent's own change is always in the answer it gets next."""
    pages = app[PAGES]
    task = pages.get(page)
    if task is None:
        task = asyncio.ensure_future(_read_page(app, page))
        pages[page] = task
        task.add_done_callback(_retrieved)
    return await asyncio.shield(task)  # one client going away does not cancel the others


async def _read_page(app: web.Application, page: Page) -> bytes:
    app[PAGES].pop(page, None)  # from here on, whoever asks gets a read of their own
    limit, offset, by = page
    store, now = app[STORE], app[CLOCK].now()
    total, rows = await store.queue(limit, offset, by=by)
    items = [to_api(row, now) for row in rows]
    return orjson.dumps({"now": now.isoformat(), "total": total, "items": items})


def _retrieved(task: asyncio.Task[bytes]) -> None:
    if not task.cancelled():
        task.exception()  # raised to every waiter still there; none left is no warning


def setup(app: web.Application) -> None:
    app[PAGES] = {}
    filtered.setup(app)


def queue_filter(request: web.Request) -> QueueFilter:
    """Read the view, filters and keyword from the query; 400 naming a bad one."""
    query = request.query
    texts = {}
    for name, longest in NAMES.items():
        value = query.get(name, "")
        field = Field(name=name, max_length=longest, one_line=True)
        texts[name] = str(check(field, value, source=name)).strip()
    intent = query.get("intent", "")
    if intent and intent not in labels.INTENTS:
        raise ApiError(f"unknown intent {intent[:64]!r}; see GET /api/meta", field="intent")
    return QueueFilter(
        view=_choice(request, "view", VIEWS, "all"),
        user=current_user(request).name,
        intent=intent,
        sentiment=_choice(request, "sentiment", tuple(labels.LABELS), ""),
        state=_choice(request, "state", QUEUE_STATES, ""),
        **texts,
    )


def _choice(request: web.Request, name: str, choices: tuple[str, ...], default: str) -> str:
    value = request.query.get(name)
    if value is None or (value == "" and default == ""):
        return default
    if value not in choices:
        raise ApiError(f"{name} must be one of {', '.join(choices)}", field=name)
    return value


@routes.get("/api/meta")
async def meta(request: web.Request) -> web.Response:
    """What the page needs to show codes in Chinese, in the team's time, for whom."""
    user = current_user(request)
    return json_response(
        {
            "user": {
                "name": user.name,
                "role": user.role.name.lower(),
                "role_label": ROLE_NAMES[user.role],
                "display": user.display or user.name,
            },
            "timezone": config_of(request.app).drafts.timezone,
            "intents": labels.INTENTS,
            "platforms": labels.PLATFORMS,
            "kinds": labels.KINDS,
            "labels": labels.LABELS,
            "states": labels.STATES,
            "views": labels.VIEWS,
            "events": labels.EVENTS,
            "accounts": config_of(request.app).accounts,
            "actors": labels.actors(config_of(request.app)),
            # The list keeps this many incidents pinned on top, as the server orders it.
            "incidents": {"pin_most": config_of(request.app).incidents.pin_most},
            "roles": labels.ROLES,
            "reply_reasons": labels.REPLY_REASONS,
            "no_reply_reasons": labels.NO_REPLY_REASONS,
            "aspects": labels.ASPECTS,
            "polarities": labels.POLARITIES,
        }
    )


@routes.post("/api/mentions/{id}/intent")
async def correct_intent(request: web.Request) -> web.Response:
    """Set the intent an agent reads in a mention (kept as training data too)."""
    mid, body = mention_id(request), await read_body(request, INTENT)
    store, now = request.app[STORE], request.app[CLOCK].now()
    actor = current_user(request).name
    retention = store.retention
    intents = IntentStore(store.redis, store.keys, retention.events, retention.corrections)
    if not await intents.correct(mid, body["intent"], actor, now):
        raise unknown(mid)
    return json_response({"id": mid, "intent": body["intent"], "by": actor})
