"""Filtered queue reads (views, filters, search) answered from this process's queue index
(store/index.py), shared by the requests that ask the same at the same time."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import orjson
from aiohttp import web

from responder.services import CLOCK, STORE
from responder.store.index import QueueFilter
from responder.store.index_sync import LiveIndex
from responder.store.views import to_api

Asked = tuple[QueueFilter, int, int, str, str]  # what, limit, offset, sort, index position
INDEX = web.AppKey("queue_index", dict[str, LiveIndex])
ANSWERS = web.AppKey("queue_answers", dict[Asked, asyncio.Task[bytes]])


def setup(app: web.Application) -> None:
    app[INDEX] = {}
    app[ANSWERS] = {}


def index_of(app: web.Application) -> LiveIndex:
    """This process's index of the open conversations, made on first use over the app's
    store (there from start-up on)."""
    held = app[INDEX]
    if "live" not in held:
        held["live"] = LiveIndex(app[STORE])
    return held["live"]


async def answer(
    app: web.Application, want: QueueFilter, limit: int, offset: int, by: str
) -> bytes:
    """The page of `want` as JSON.

    The index first takes in every change made before this request (LiveIndex.fresh).
    Then a request shares the answer another one is computing from the same index position
    for the same question: that answer's page is read after the catch-up this request
    waited for, so it holds every change made before this request arrived. When agents'
    pages all ask again after an event, they get one page read and one encoding."""
    index = index_of(app)
    await index.fresh()
    if want.view != "mine":
        want = replace(want, user="")  # whose page it is matters to "mine" only
    asked = (want, limit, offset, by, index.last)
    answers = app[ANSWERS]
    task = answers.get(asked)
    if task is None:
        task = asyncio.ensure_future(_answer(app, index, asked))
        answers[asked] = task
        task.add_done_callback(lambda done: _landed(answers, asked, done))
    return await asyncio.shield(task)  # one client going away does not cancel the others


async def _answer(app: web.Application, index: LiveIndex, asked: Asked) -> bytes:
    want, limit, offset, by, _ = asked
    now = app[CLOCK].now()
    total, ids = index.index.find(want, limit, offset, by=by, now=now)
    items = [to_api(row, now) for row in await app[STORE].mentions(ids)]
    return orjson.dumps({"now": now.isoformat(), "total": total, "items": items})


def _landed(
    answers: dict[Asked, asyncio.Task[bytes]], asked: Asked, task: asyncio.Task[bytes]
) -> None:
    if answers.get(asked) is task:
        del answers[asked]
    if not task.cancelled():
        task.exception()  # raised to every waiter still there; none left is no warning
