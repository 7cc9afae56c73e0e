"""No client input gets a 500: every bad request is a JSON error and changes nothing."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from responder.config import Config, OutboxConfig, RedisConfig, defaults
from responder.pipeline.scoring import ScoringPool
from responder.runtime import create_app
from responder.services import SERVICES
from responder.store.embedded import EmbeddedRedis
from responder.store.keys import mention_id
from tests.conftest import USERS, bearer
from tests.fakes import FakeClock, mention

Client = TestClient[Any, Any]
MID = mention_id("weibo", "lanxing", "1")
NOT_AN_ID = {"error": "not a mention id: ids are 16 lowercase hex characters", "field": "id"}
LABEL = '"label" must be one of "negative", "neutral", "positive"'


def _app_for(url: str, clock: FakeClock, scorer: ScoringPool, tmp: Path) -> web.Application:
    redis = RedisConfig(url=url, prefix="api", data_dir=tmp / "data")
    config: Config = replace(
        defaults(), connectors=(), redis=redis, users=USERS, outbox=OutboxConfig(undo_seconds=0)
    )
    return create_app(config, clock=clock, scorer=scorer, background=False)


@pytest.fixture
async def client(
    aiohttp_client: Any,
    redis: Redis,
    redis_url: str,
    scoring_pool: ScoringPool,
    clock: FakeClock,
    tmp_path: Path,
) -> Client:
    app = _app_for(redis_url, clock, scoring_pool, tmp_path)
    client: Client = await aiohttp_client(app, headers=bearer("amy"))
    pipeline = client.app[SERVICES].pipeline
    assert pipeline is not None
    await pipeline.store.ingest("demo", [mention("1")], None, clock.now())
    await pipeline.run_once()
    return client


async def _snapshot(redis_url: str) -> dict[bytes | str, bytes | None]:
    """Return every key's serialized value, so a test can tell that nothing changed."""
    raw = Redis.from_url(redis_url)
    try:
        return {key: await raw.dump(key) for key in sorted(await raw.keys("*"))}
    finally:
        await raw.aclose()


# (method, path, JSON body or raw bytes, headers, status, expected body)
CASES: list[tuple[str, str, Any, dict[str, str], int, dict[str, str]]] = [
    ("POST", "/api/mentions/{id}/sentiment", {"label": ["negative"]}, {}, 400,
     {"error": LABEL, "field": "label"}),
    ("POST", "/api/mentions/{id}/sentiment", {"label": {"a": 1}}, {}, 400,
     {"error": LABEL, "field": "label"}),
    ("POST", "/api/mentions/{id}/sentiment", {}, {}, 400,
     {"error": 'body must have a non-empty "label"', "field": "label"}),
    ("POST", "/api/mentions/{id}/reply", b'{"text": "\\udc80"}', {}, 400,
     {"error": '"text" must be valid Unicode (no lone surrogates)', "field": "text"}),
    ("POST", "/api/mentions/{id}/dismiss", b'{"reason": "\\udc80"}', {}, 400,
     {"error": '"reason" must be valid Unicode (no lone surrogates)', "field": "reason"}),
    ("POST", "/api/mentions/{id}/sentiment", b'{"label": "\\udc80"}', {}, 400,
     {"error": LABEL, "field": "label"}),
    ("GET", "/api/mentions/{id}:events", None, {}, 404, NOT_AN_ID),
    ("POST", "/api/mentions/{id}:events/reply", {"text": "hi"}, {}, 404, NOT_AN_ID),
    ("POST", "/api/mentions/{id}:followups/claim", None, {}, 404, NOT_AN_ID),
    ("POST", "/api/mentions/{ID}/dismiss", None, {}, 404, NOT_AN_ID),
    ("GET", "/api/mentions/nope", None, {}, 404, NOT_AN_ID),
    ("GET", "/api/mentions/%FF%FE", None, {}, 404, NOT_AN_ID),
    ("GET", "/api/queue?limit=²", None, {}, 400,
     {"error": "limit must be an integer from 1 to 1000", "field": "limit"}),
    ("GET", "/api/queue?limit=٣", None, {}, 400,
     {"error": "limit must be an integer from 1 to 1000", "field": "limit"}),
    ("GET", "/api/queue?limit=" + "1" * 5000, None, {}, 400,
     {"error": "limit must be an integer from 1 to 1000", "field": "limit"}),
    ("GET", "/api/queue?offset=-1", None, {}, 400,
     {"error": "offset must be an integer from 0 to 1000000000", "field": "offset"}),
    ("GET", "/api/queue?offset=%FF", None, {}, 400,
     {"error": "offset must be an integer from 0 to 1000000000", "field": "offset"}),
    ("GET", "/api/nope", None, {}, 404, {"error": "Not Found"}),
    ("GET", "/api/mentions/{id}/reply", None, {}, 405, {"error": "Method Not Allowed"}),
    ("DELETE", "/api/queue", None, {}, 405, {"error": "Method Not Allowed"}),
    ("POST", "/api/mentions/{id}/reply", {"text": "\u200b"}, {}, 400,
     {"error": '"text" must have a visible character', "field": "text"}),
    ("POST", "/api/mentions/{id}/reply", {"text": "\u200b\u3000\ufeff\u2060 \u00a0\n"}, {}, 400,
     {"error": '"text" must have a visible character', "field": "text"}),
    ("POST", "/api/mentions/{id}/reply", {"text": "  "}, {}, 400,
     {"error": '"text" must have a visible character', "field": "text"}),
    ("POST", "/api/mentions/{id}/reply", {"text": 5}, {}, 400,
     {"error": '"text" must be a string', "field": "text"}),
    ("POST", "/api/mentions/{id}/reply", {"text": "x" * 2001}, {}, 400,
     {"error": '"text" is 2001 characters; the limit is 2000', "field": "text"}),
    # Who acts comes from the login: a body naming an agent is refused like any unknown field.
    ("POST", "/api/mentions/{id}/reply", {"text": "ok", "agent": "bo"}, {}, 400,
     {"error": 'unknown field "agent"', "field": "agent"}),
    ("POST", "/api/mentions/{id}/claim", {"agent": "bo"}, {}, 400,
     {"error": 'unknown field "agent"', "field": "agent"}),
    ("POST", "/api/mentions/{id}/claim", None, {"Authorization": "Bearer nope"}, 401,
     {"error": "请先登录"}),
    ("POST", "/api/mentions/{id}/claim", None, {"Authorization": "Basic YW15OmFteQ=="}, 401,
     {"error": "请先登录"}),
    ("POST", "/api/mentions/{id}/dismiss", {"reason": "spam", "agnet": "amy"}, {}, 400,
     {"error": 'unknown field "agnet"', "field": "agnet"}),
    ("POST", "/api/mentions/{id}/dismiss", b"[" * 30000 + b"]" * 30000, {}, 400,
     {"error": "body is nested too deeply"}),
    ("POST", "/api/mentions/{id}/reply", b"\xff\xfe{", {}, 400,
     {"error": "body is not valid JSON: …"}),
    ("POST", "/api/mentions/{id}/reply", b"x" * 65 * 1024, {}, 413,
     {"error": "Maximum request body size 65536 exceeded…"}),
    ("POST", "/api/mentions/{id}/reply", [1], {}, 400, {"error": "body must be a JSON object"}),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "headers", "status", "expected"), CASES)
async def test_bad_input_is_a_json_error_and_changes_nothing(
    client: Client,
    redis_url: str,
    method: str,
    path: str,
    body: Any,
    headers: dict[str, str],
    status: int,
    expected: dict[str, str],
) -> None:
    before = await _snapshot(redis_url)
    url = path.replace("{id}", MID).replace("{ID}", MID.upper())
    sent = {"data": body} if isinstance(body, bytes) else {"json": body}
    resp = await client.request(method, url, headers=headers, **sent)
    assert (resp.status, resp.content_type) == (status, "application/json")
    answer = await resp.json()
    if expected["error"].endswith("…"):  # the rest names a position or size
        answer["error"] = answer["error"][: len(expected["error"]) - 1] + "…"
    assert answer == expected
    assert await _snapshot(redis_url) == before


async def test_a_non_utf8_token_is_refused(client: Client, redis_url: str) -> None:
    before = await _snapshot(redis_url)
    # Raw bytes: the aiohttp client would not send a header that is not UTF-8.
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(
        f"POST /api/mentions/{MID}/claim HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n".encode()
        + b"Connection: close\r\nAuthorization: Bearer amy-token\xff\r\n\r\n"
    )
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 401 ")
    assert b"content-type: application/json" in head.lower()
    assert json.loads(payload) == {"error": "请先登录"}
    assert await _snapshot(redis_url) == before


@pytest.mark.parametrize(
    ("body", "headers", "agent"),
    [
        ({"text": "好的"}, {}, "amy"),
        ({"text": "好的"}, {"X-Tiexin-Agent": "bo"}, "amy"),  # the old header names nobody
        ({"text": "好的"}, bearer("bo"), "bo"),
        # emoji to an upset author fail the style check: sent only with an override
        ({"text": "好的 👍🏽\u200d", "override": True}, {}, "amy"),
    ],
)
async def test_good_input_still_works(
    client: Client, body: dict[str, Any], headers: dict[str, str], agent: str
) -> None:
    resp = await client.post(f"/api/mentions/{MID}/reply", json=body, headers=headers)
    assert resp.status == 200
    assert (await resp.json())["by"] == agent
    detail = await (await client.get(f"/api/mentions/{MID}")).json()
    assert detail["reply_text"] == body["text"]


async def _boom(request: web.Request) -> web.Response:
    raise RuntimeError("secret detail")


async def test_an_unexpected_error_is_logged_once_and_answered_without_details(
    aiohttp_client: Any,
    redis: Redis,
    redis_url: str,
    scoring_pool: ScoringPool,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    app = _app_for(redis_url, clock, scoring_pool, tmp_path)
    app.router.add_get("/api/boom", _boom)  # stands in for any bug in a handler
    client: Client = await aiohttp_client(app, headers=bearer("amy"))
    with caplog.at_level(logging.ERROR):
        resp = await client.get("/api/boom")
    assert (resp.status, resp.content_type) == (500, "application/json")
    assert await resp.json() == {"error": "internal error"}
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(failures) == 1 and failures[0].exc_info is not None
    assert "secret detail" in caplog.text  # in the log, for us; not in the answer


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[EmbeddedRedis]:
    """A Redis of this test's own, which it may stop without harming the others."""
    server = EmbeddedRedis(tmp_path / "r", appendonly=False)
    await asyncio.to_thread(server.start)
    yield server
    await server.astop()


async def test_redis_down_is_a_503_logged_once_per_outage(
    aiohttp_client: Any,
    own_redis: EmbeddedRedis,
    scoring_pool: ScoringPool,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    app = _app_for(own_redis.url, clock, scoring_pool, tmp_path)
    client: Client = await aiohttp_client(app, headers=bearer("amy"))
    assert (await client.get("/api/queue")).status == 200
    await own_redis.astop()
    with caplog.at_level(logging.INFO):
        for path in ("/api/queue", f"/api/mentions/{MID}", "/api/queue"):
            resp = await client.get(path)
            assert (resp.status, resp.content_type) == (503, "application/json")
            assert (await resp.json())["error"].startswith("Redis is unavailable")
        claim = await client.post(f"/api/mentions/{MID}/claim")
        assert claim.status == 503
        await asyncio.to_thread(own_redis.start)
        assert (await client.get("/api/queue")).status == 200
        assert (await client.get("/api/queue")).status == 200
    said = [r for r in caplog.records if r.name == "responder.store.availability"]
    assert [r.__dict__.get("event") for r in said] == ["redis_down", "redis_recovered"]
    assert said[0].getMessage().startswith("Redis is unavailable")
    assert said[1].getMessage().startswith("Redis is available again after")


# Any code point, lone surrogates included (json.dumps sends them as \udxxx escapes).
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=30)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,  # nothing written into the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # the app is shared on purpose
)


@FUZZ
@given(
    route=st.sampled_from(["reply", "dismiss", "claim", "sentiment"]),
    body=st.one_of(
        st.binary(max_size=200),
        st.dictionaries(
            st.sampled_from(["text", "agent", "reason", "label", "x"]),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
                lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner),
                max_leaves=5,
            ),
            max_size=4,
        ).map(lambda d: json.dumps(d).encode()),
    ),
    auth=st.none() | st.text(max_size=70).filter(lambda s: "\n" not in s and "\r" not in s),
)
async def test_fuzzed_bodies_never_get_a_5xx(
    client: Client, route: str, body: bytes, auth: str | None
) -> None:
    headers = {} if auth is None else {"Authorization": auth}
    try:
        resp = await client.post(f"/api/mentions/{MID}/{route}", data=body, headers=headers)
    except ValueError:
        return  # the client itself refuses some header values; nothing was sent
    assert resp.status < 500, await resp.text()
    assert resp.content_type == "application/json"


@FUZZ
@given(
    mid=ANY_TEXT.filter(lambda s: s not in {"", ".", ".."} and "/" not in s),
    limit=ANY_TEXT,
)
async def test_fuzzed_ids_and_params_never_get_a_5xx(client: Client, mid: str, limit: str) -> None:
    resp = await client.get("/api/queue", params={"limit": limit})
    assert resp.status < 500 and resp.content_type == "application/json"
    path = "/api/mentions/" + quote(mid, safe="", errors="surrogatepass") + "/claim"
    resp = await client.post(path)
    assert resp.status < 500 and resp.content_type == "application/json"
