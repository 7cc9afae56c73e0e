"""Unfiltered queue reads that arrive together share one Redis read, and never one sent
before they arrived: an agent's own change is in the next page it reads."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from responder.services import STORE
from responder.web.queue import PAGES, _shared_page
from tests.conftest import MakeClient
from tests.fakes import FakeClock, mention
from tests.workspace import Client, app_of, feed, mid


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("shared")


async def _reset(client: Client, *pages: tuple[int, int, str]) -> None:
    """Read `pages` once (a page's first read learns the ids it declares, a second call),
    then reset the stats."""
    store = app_of(client)[STORE]
    for limit, offset, by in pages:
        await store.queue(limit, offset, by=by)
    await store.redis.config_resetstat()


async def _script_calls(client: Client) -> int:
    """Page reads since the stats were reset: each runs one ZCARD, in its script."""
    stats: dict[str, Any] = await app_of(client)[STORE].redis.info("commandstats")
    return int(stats.get("cmdstat_zcard", {}).get("calls", 0))


async def test_reads_asked_together_share_one_script_call(client: Client, clock: FakeClock) -> None:
    for n in range(3):
        await feed(client, clock, mention(f"s{n}", text=f"😀𠮷 第{n}条"))
    app = app_of(client)
    await _reset(client, (50, 0, "deadline"))

    bodies = await asyncio.gather(*(_shared_page(app, (50, 0, "deadline")) for _ in range(5)))

    assert await _script_calls(client) == 1
    assert len(set(bodies)) == 1 and app[PAGES] == {}
    page = orjson.loads(bodies[0])
    assert page["total"] == 3
    assert sorted(item["id"] for item in page["items"]) == sorted(mid(f"s{n}") for n in range(3))
    resp = await client.get("/api/queue", params={"limit": "50"})  # the same over HTTP
    assert orjson.loads(await resp.read())["items"] == page["items"]


async def test_a_read_asked_once_one_started_gets_its_own(client: Client, clock: FakeClock) -> None:
    await feed(client, clock, mention("s1"))
    app, page = app_of(client), (50, 0, "deadline")
    await _reset(client, page)
    first = asyncio.ensure_future(_shared_page(app, page))
    await asyncio.sleep(0)  # the request's read is created
    await asyncio.sleep(0)  # and starts: it leaves the table before it is sent
    assert app[PAGES] == {}
    second = asyncio.ensure_future(_shared_page(app, page))
    await asyncio.sleep(0)
    assert page in app[PAGES]  # a read of its own, not the one already under way
    await asyncio.gather(first, second)
    assert await _script_calls(client) == 2
    # An agent's answer is in the next page it reads.
    resp = await client.post(f"/api/mentions/{mid('s1')}/approve", json={"draft": 0})
    assert resp.status == 200, await resp.text()
    after = orjson.loads(await _shared_page(app, page))
    assert after["total"] == 0 and after["items"] == []


async def test_other_pages_and_orders_are_read_apart(client: Client, clock: FakeClock) -> None:
    for n in range(3):
        await feed(client, clock, mention(f"s{n}"))
    app = app_of(client)
    pages = [(1, 0, "deadline"), (1, 1, "deadline"), (1, 0, "priority")]
    await _reset(client, *pages)
    bodies = await asyncio.gather(*(_shared_page(app, page) for page in pages))
    assert await _script_calls(client) == 3
    assert len({orjson.loads(b)["items"][0]["id"] for b in bodies[:2]}) == 2


async def test_a_page_changing_under_every_read_is_still_served(
    client: Client, clock: FakeClock
) -> None:
    """Many agents approving at the top of the queue can change its first page between
    every two reads; the page is then served as its ids last stood, not a 500."""
    for n in range(3):
        await feed(client, clock, mention(f"c{n}", text=f"第{n}条"))
    store = app_of(client)[STORE]
    pages = store._pages
    real = pages._script
    ids = [str(i) for i in await store.redis.zrange(store.keys.queue, 0, -1)]
    calls = 0

    async def churning(keys: list[str], args: list[Any]) -> Any:
        """Before each read another agent's work changes the page: one more at its top."""
        nonlocal calls
        calls += 1
        await store.redis.zadd(store.keys.queue, {f"new{calls}": -calls})
        return await real(keys=keys, args=args)

    pages._script = churning  # type: ignore[assignment]
    resp = await client.get("/api/queue", params={"limit": "50"})
    assert resp.status == 200 and calls == 10
    body = orjson.loads(await resp.read())
    assert sorted(item["id"] for item in body["items"]) == sorted(ids)  # the rows that exist
    assert body["total"] == 3 + calls
