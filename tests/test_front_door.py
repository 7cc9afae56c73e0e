"""The front door over real HTTP: security headers, the login limit counted before any
password is checked, time limits for slow clients, JSON for what aiohttp's parser refuses,
and a health check that tells strangers only ok or failing."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from responder.config import Config, ConfigError, RedisConfig, ServerConfig, defaults, parse
from responder.pipeline.scoring import ScoringPool
from responder.runtime import create_app
from responder.services import STORE
from responder.store.keys import mention_id
from responder.web.auth import DIRECTORY, User
from responder.web.front import Runner
from responder.web.login import HASHES, MAX_FAILURES
from tests.conftest import USERS, ClientAs, MakeClient
from tests.fakes import FakeClock

Client = TestClient[Any, Any]
BOUND = 10.0  # seconds a real server may take to answer or close (a bound, not a timer)
SLOW = 0.3  # the read timeout of the real server below: short, so tests stay quick


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("front")  # amy's API token


@pytest.fixture
async def anon(client: Client, client_as: ClientAs) -> Client:
    return await client_as(client, None)


def _app(client: Client) -> web.Application:
    app = client.app
    assert isinstance(app, web.Application)
    return app


async def _csrf(c: Client) -> str:
    page = await c.get("/login")
    found = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert found is not None
    return found[1]


async def _login(c: Client, csrf: str, name: str, password: str) -> int:
    form = {"name": name, "password": password, "next": "/", "csrf": csrf}
    return (await c.post("/login", data=form, allow_redirects=False)).status


# Security headers


async def test_every_answer_carries_the_security_headers(
    client: Client, anon: Client, client_as: ClientAs
) -> None:
    lee = await client_as(client, "lee")
    answers = [
        await anon.get("/login"),
        await anon.get("/", allow_redirects=False),
        await anon.get("/static/workspace.css"),
        await anon.get("/static/nothing.css"),
        await anon.get("/api/me"),
        await anon.get("/ack/not-a-token"),
        await client.get("/"),
        await client.get("/api/queue"),
        await client.get("/api/nowhere"),
        await lee.get("/audit"),
    ]
    assert {a.status for a in answers} >= {200, 302, 401, 404}
    for answer in answers:
        policy = answer.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in policy, answer.url
        assert "script-src 'self';" in policy and "style-src 'self';" in policy
        assert "unsafe-inline" not in policy
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Referrer-Policy"] == "same-origin"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


class _Inline(HTMLParser):
    """What in a page would need 'unsafe-inline': a script without src, a style element,
    a style or on… attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag} {n}=" for n in names if n == "style" or n.startswith("on")]


async def test_no_page_needs_inline_script_or_style(
    client: Client, anon: Client, client_as: ClientAs
) -> None:
    lee = await client_as(client, "lee")
    for c, path in ((anon, "/login"), (client, "/"), (lee, "/audit"), (anon, "/ack/x")):
        page = await c.get(path)
        assert page.content_type == "text/html", path
        parser = _Inline()
        parser.feed(await page.text())
        assert parser.found == [], path


# The login limit


async def test_thirty_parallel_wrong_passwords_get_at_most_five_checks(anon: Client) -> None:
    directory = _app(anon)[DIRECTORY]
    csrf, before = await _csrf(anon), directory.checks
    tries = [_login(anon, csrf, "amy", f"guess-{n}") for n in range(30)]
    statuses = await asyncio.gather(*tries)
    assert directory.checks - before == MAX_FAILURES
    assert sorted(statuses) == [401] * MAX_FAILURES + [429] * (30 - MAX_FAILURES)
    assert await _login(anon, csrf, "amy", "amy-password") == 429  # locked, unchecked
    assert directory.checks - before == MAX_FAILURES


async def test_signing_in_gives_the_address_its_try_back(anon: Client) -> None:
    """An office signs in from one address: ten good logins in a row all pass."""
    csrf = await _csrf(anon)
    for name in ("amy", "bo", "lee", "ada") * 3:
        assert await _login(anon, csrf, name, f"{name}-password") == 302
        csrf = await _csrf(anon)  # a login starts a new session, with a new token


async def test_password_checks_run_a_few_at_a_time(anon: Client) -> None:
    directory = _app(anon)[DIRECTORY]
    check, lock, release = directory.check_password, threading.Lock(), threading.Event()
    state = {"now": 0, "most": 0}

    def held(name: str, password: str) -> User | None:  # the real check, held open
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        release.wait(BOUND)
        try:
            return check(name, password)
        finally:
            with lock:
                state["now"] -= 1

    directory.check_password = held  # type: ignore[method-assign]
    csrf = await _csrf(anon)
    names = [f"n{k}" for k in range(MAX_FAILURES)]  # the address's five tries
    tries = asyncio.gather(*(_login(anon, csrf, n, "x") for n in names))
    store = _app(anon)[STORE]
    counted = f"{store.keys.root}:login:ip:127.0.0.1"
    limit = time.monotonic() + BOUND
    while int(await store.redis.get(counted) or 0) < MAX_FAILURES or state["now"] < HASHES:
        assert time.monotonic() < limit, "the tries did not arrive"
        await asyncio.sleep(0.01)  # turns the loop for the requests; no timer is tested
    for _ in range(20):
        await asyncio.sleep(0)  # the rest reach the bound, or pass it if there were none
    release.set()
    assert await tries == [401] * MAX_FAILURES
    assert state["most"] == HASHES


# Health


async def test_health_tells_strangers_only_ok_or_failing(
    client: Client, anon: Client, client_as: ClientAs
) -> None:
    stranger = await anon.get("/api/health")
    assert (stranger.status, await stranger.json()) == (200, {"status": "ok", "role": "all"})
    wrong = await anon.get("/api/health", headers={"Authorization": "Bearer amy-tokeN"})
    assert await wrong.json() == {"status": "ok", "role": "all"}
    for c in (client, await client_as(client, "lee")):
        body = await (await c.get("/api/health")).json()
        assert body["status"] == "ok" and body["failing"] == []
        assert {"redis", "queued", "connectors", "stats"} <= set(body)


# A real server: the read timeout and aiohttp's own parser


@pytest.fixture
async def served(
    redis_url: str, scoring_pool: ScoringPool, clock: FakeClock, tmp_path: Path
) -> AsyncIterator[int]:
    """The app as `tiexin run` serves it (front.Runner), on a port of its own."""
    config: Config = replace(
        defaults(),
        server=ServerConfig(host="127.0.0.1", port=1, read_timeout=timedelta(seconds=SLOW)),
        redis=RedisConfig(url=redis_url, prefix="front-run", data_dir=tmp_path / "data"),
        users=USERS,
    )
    app = create_app(config, clock=clock, scorer=scoring_pool, background=False)
    runner = Runner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    (address,) = runner.addresses
    try:
        yield int(address[1])
    finally:
        await runner.cleanup()


async def _exchange(port: int, sent: bytes) -> bytes:
    """Send `sent` and read until the server closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(sent)
        await writer.drain()
        async with asyncio.timeout(BOUND):
            return await reader.read()
    finally:
        writer.close()


def _parts(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.parametrize(
    "sent",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /api/queue HTTP/1.1\r\nHost: x\r\nContent-Length: many\r\n\r\n",
        b"GET /api/queue HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 20000 + b"\r\n\r\n",
        b"GET /api/queue HTTP/9.9\r\nHost: x\r\n\r\n",
    ],
    ids=["request-line", "content-length", "long-header", "version"],
)
async def test_what_the_parser_refuses_is_answered_as_json(served: int, sent: bytes) -> None:
    status, headers, body = _parts(await _exchange(served, sent))
    assert 400 <= status < 500
    assert headers["content-type"].startswith("application/json")
    assert set(orjson.loads(body)) == {"error"}
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


async def test_a_broken_body_is_a_json_400(served: int) -> None:
    path = f"/api/mentions/{mention_id('weibo', 'lanxing', '1')}/dismiss"
    sent = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer amy-token\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n"
    ).encode()
    status, headers, body = _parts(await _exchange(served, sent))
    assert status == 400
    assert headers["content-type"].startswith("application/json")
    assert "error" in orjson.loads(body)


async def test_slow_clients_are_cut_off_and_the_server_goes_on(served: int) -> None:
    started = time.monotonic()
    never_ends = b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: "  # headers never finish
    assert await _exchange(served, never_ends) == b""  # closed, unanswered
    body = (
        f"POST /api/mentions/{mention_id('weibo', 'lanxing', '1')}/dismiss HTTP/1.1\r\n"
        "Host: x\r\nAuthorization: Bearer amy-token\r\nContent-Type: application/json\r\n"
        'Content-Length: 100\r\n\r\n{"reason": '  # 11 of 100 bytes, then nothing
    ).encode()
    assert await _exchange(served, body) == b""
    assert time.monotonic() - started < BOUND
    status, _, answer = _parts(
        await _exchange(served, b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    )
    assert (status, orjson.loads(answer)) == (200, {"status": "ok", "role": "all"})


def test_the_read_timeout_is_a_setting() -> None:
    assert defaults().server.read_timeout.total_seconds() == 15
    five = {"server": {"read_timeout": "5s"}}
    assert parse(five, base_dir=Path("."), source="x").server.read_timeout.total_seconds() == 5
    with pytest.raises(ConfigError, match=r"server\.read_timeout"):
        parse({"server": {"read_timeout": "0s"}}, base_dir=Path("."), source="x")
