"""Logins over real HTTP with the real Redis: sessions, tokens, CSRF, rate limit, roles."""

from __future__ import annotations

import io
import logging
import re
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher
from yarl import URL

from responder.accounts import AuthConfig, UserConfig
from responder.cli import main
from responder.config import (
    Config,
    RedisConfig,
    ServerConfig,
    defaults,
    parse,
)
from responder.pipeline.scoring import ScoringPool
from responder.runtime import create_app
from responder.store.keys import mention_id
from responder.web.auth import Directory, Role, is_loopback, require, warn_demo
from tests.conftest import USERS, ClientAs, MakeClient, bearer
from tests.fakes import FakeClock

Client = TestClient[Any, Any]
MID = mention_id("weibo", "lanxing", "1")  # no such mention: a 404 shows auth let it through
LOGIN_REQUIRED = {"error": "请先登录"}
CSRF_FAILED = {"error": "CSRF 校验失败，请刷新页面"}


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("auth")  # amy's API token


@pytest.fixture
async def anon(client: Client, client_as: ClientAs) -> Client:
    return await client_as(client, None)  # a browser with no login yet


async def _login(
    c: Client, name: str, password: str, next_: str = "/", csrf: str | None = None
) -> ClientResponse:
    page = await c.get("/login")
    assert page.status == 200
    found = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert found is not None
    form = {"name": name, "password": password, "next": next_, "csrf": csrf or found[1]}
    return await c.post("/login", data=form, allow_redirects=False)


def _next(resp: ClientResponse) -> str | None:
    """Where a redirect to the login page will lead back to."""
    location = URL(resp.headers["Location"])
    assert location.path == "/login"
    return location.query.get("next")


async def _me(c: Client) -> tuple[int, dict[str, Any]]:
    resp = await c.get("/api/me")
    return resp.status, await resp.json()


async def test_a_right_password_signs_in_with_a_hardened_cookie(anon: Client) -> None:
    resp = await _login(anon, "amy", "amy-password", "/?view=mine")
    assert (resp.status, resp.headers["Location"]) == (302, "/?view=mine")
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("tiexin_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the test server listens on 127.0.0.1
    assert "amy" not in cookie.split(";")[0]  # encrypted, not just signed
    status, me = await _me(anon)
    assert status == 200
    assert (me["name"], me["role"], me["display"]) == ("amy", "agent", "amy")
    assert len(me["csrf"]) >= 32


@pytest.mark.parametrize(("name", "password"), [("amy", "wrong"), ("nobody", "amy-password")])
async def test_a_wrong_password_or_unknown_name_gets_the_same_answer(
    anon: Client, name: str, password: str
) -> None:
    resp = await _login(anon, name, password)
    assert resp.status == 401
    assert "用户名或密码不对" in await resp.text()
    assert "Set-Cookie" not in resp.headers or "amy" not in resp.headers["Set-Cookie"]
    assert (await _me(anon))[0] == 401


async def test_five_failures_for_a_name_lock_it_for_15_minutes(
    anon: Client, client: Client, client_as: ClientAs
) -> None:
    for _ in range(5):
        assert (await _login(anon, "amy", "wrong")).status == 401
    locked = await _login(anon, "amy", "amy-password")  # even the right password now
    assert locked.status == 429
    assert "请 15 分钟后再试" in await locked.text()
    assert (await _me(anon))[0] == 401
    other = await _login(anon, "bo", "bo-password")  # same address, but only 5 failures
    assert other.status == 429  # ...which the address counts too
    assert (await (await client.get("/api/me")).json())["name"] == "amy"  # tokens unaffected


async def test_failures_from_one_address_across_names_are_limited(anon: Client) -> None:
    for name in ("a1", "a2", "a3", "a4", "a5"):
        assert (await _login(anon, name, "x")).status == 401
    assert (await _login(anon, "lee", "lee-password")).status == 429


async def test_a_success_clears_the_name_count(anon: Client) -> None:
    for _ in range(3):
        await _login(anon, "amy", "wrong")
    assert (await _login(anon, "amy", "amy-password")).status == 302


async def test_a_session_ends_after_its_ttl(anon: Client, clock: FakeClock) -> None:
    await _login(anon, "bo", "bo-password")
    clock.advance(12 * 3600 - 1)
    assert (await _me(anon))[0] == 200
    clock.advance(2)
    assert await _me(anon) == (401, LOGIN_REQUIRED)
    page = await anon.get("/?view=mine", allow_redirects=False)
    assert (page.status, _next(page)) == (302, "/?view=mine")


async def test_bearer_tokens_and_what_stays_open(client: Client, client_as: ClientAs) -> None:
    assert (await (await client.get("/api/me")).json())["name"] == "amy"
    lee = await client_as(client, "lee")
    assert (await (await lee.get("/api/me")).json())["role"] == "lead"
    nobody = await client_as(client, None)
    for path in ("/api/queue", "/api/me", f"/api/mentions/{MID}"):
        resp = await nobody.get(path)
        assert (resp.status, await resp.json()) == (401, LOGIN_REQUIRED)
    wrong = await nobody.get("/api/queue", headers={"Authorization": "Bearer amy-tokeN"})
    assert wrong.status == 401
    assert (await nobody.post(f"/api/mentions/{MID}/claim")).status == 401
    assert (await nobody.get("/api/health")).status in (200, 503)  # monitoring needs no login
    for path in ("/static/app.css", "/hooks/wechat/x"):  # public: 404, not a login redirect
        assert (await nobody.get(path, allow_redirects=False)).status == 404
    page = await nobody.get("/", allow_redirects=False)
    assert (page.status, _next(page)) == (302, "/")


async def test_cookie_writes_need_the_csrf_token_and_token_writes_do_not(
    anon: Client, client: Client
) -> None:
    await _login(anon, "amy", "amy-password")
    csrf = (await _me(anon))[1]["csrf"]
    url = f"/api/mentions/{MID}/claim"
    missing = await anon.post(url)
    assert (missing.status, await missing.json()) == (403, CSRF_FAILED)
    for wrong in (csrf[:-1] + "x", "é" * 43, ""):
        forged = await anon.post(url, headers={"X-CSRF-Token": wrong})
        assert (forged.status, await forged.json()) == (403, CSRF_FAILED)
    ok = await anon.post(url, headers={"X-CSRF-Token": csrf})
    assert ok.status == 404  # through auth and CSRF to the handler
    form = await anon.post(url, data={"csrf": csrf})  # a form field does as well
    assert form.status == 400  # past CSRF, refused by the JSON body check
    assert (await client.post(url)).status == 404  # a Bearer token is not a browser's cookie


async def test_the_login_form_itself_needs_its_csrf_token(anon: Client) -> None:
    resp = await _login(anon, "amy", "amy-password", csrf="forged")
    assert resp.status == 403 and "页面已过期" in await resp.text()
    assert (await _me(anon))[0] == 401


async def test_logout_ends_the_session(anon: Client) -> None:
    await _login(anon, "amy", "amy-password")
    csrf = (await _me(anon))[1]["csrf"]
    assert (await anon.post("/logout", allow_redirects=False)).status == 403
    out = await anon.post("/logout", headers={"X-CSRF-Token": csrf}, allow_redirects=False)
    assert (out.status, out.headers["Location"]) == (303, "/login")
    assert (await _me(anon))[0] == 401


@pytest.mark.parametrize(
    ("next_", "location"),
    [
        ("/?view=mine", "/?view=mine"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
async def test_next_only_leads_within_the_site(anon: Client, next_: str, location: str) -> None:
    resp = await _login(anon, "bo", "bo-password", next_)
    assert (resp.status, resp.headers["Location"]) == (302, location)


async def _lead_only(request: web.Request) -> web.Response:
    user = require(request, Role.LEAD)
    return web.json_response({"name": user.name})


@pytest.mark.parametrize(("user", "status"), [("amy", 403), ("lee", 200), ("ada", 200)])
async def test_require_refuses_lower_roles_in_chinese(
    aiohttp_client: Any,
    redis: Any,
    redis_url: str,
    scoring_pool: ScoringPool,
    clock: FakeClock,
    tmp_path: Path,
    user: str,
    status: int,
) -> None:
    redis_config = RedisConfig(url=redis_url, prefix="auth", data_dir=tmp_path)
    config: Config = replace(defaults(), connectors=(), redis=redis_config, users=USERS)
    app = create_app(config, clock=clock, scorer=scoring_pool, background=False)
    app.router.add_get("/api/lead-only", _lead_only)  # a route only for leads, test-only
    c: Client = await aiohttp_client(app, headers=bearer(user))
    resp = await c.get("/api/lead-only")
    assert resp.status == status
    if status == 403:
        assert await resp.json() == {"error": "需要组长权限"}


def test_user_add_prints_a_users_table_that_config_accepts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("很长的密码 secret\n"))
    assert (
        main(["user", "add", "wang", "--role", "lead", "--display", "小王", "--password-stdin"])
        == 0
    )
    out = capsys.readouterr().out
    assert "secret" not in out
    table = tomllib.loads(out)["users"][0]
    user = parse({"users": [table]}, base_dir=Path.cwd(), source="pasted").users[0]
    assert (user.name, user.role, user.display) == ("wang", "lead", "小王")
    found = Directory((user,)).check_password("wang", "很长的密码 secret")
    assert found is not None and found.role is Role.LEAD


def test_user_add_refuses_a_short_password_or_two_that_differ(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["user", "add", "wang", "--role", "agent", "--password-stdin"]) == 2
    answers = iter(["first password", "second password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert main(["user", "add", "wang", "--role", "agent"]) == 2
    captured = capsys.readouterr()
    assert "password_hash" not in captured.out and "password" not in captured.err.split(":")[0]


def test_user_token_prints_the_token_once_and_its_hash(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["user", "token", "amy"]) == 0
    lines = capsys.readouterr().out.splitlines()
    token = lines[1]
    table = tomllib.loads(lines[-1])
    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    user = UserConfig(name="amy", role="agent", password_hash=hasher.hash("x" * 8), **table)
    found = Directory((user,)).by_token(token)
    assert found is not None and found.name == "amy"
    assert Directory((user,)).by_token(token + "x") is None


def test_the_demo_login_is_in_the_defaults_and_warned_about_beyond_loopback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    demo = defaults()
    assert Directory(demo.users).check_password("demo", "tiexin") is not None
    with caplog.at_level(logging.WARNING, logger="responder.web.auth"):
        warn_demo(demo)
        assert not caplog.records
        warn_demo(replace(demo, server=ServerConfig(host="0.0.0.0")))
    assert len(caplog.records) == 1 and "demo" in caplog.records[0].getMessage()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
    ],
)
def test_cookies_are_secure_unless_listening_on_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


async def test_cookie_secure_can_be_forced(
    aiohttp_client: Any,
    redis: Any,
    redis_url: str,
    scoring_pool: ScoringPool,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    redis_config = RedisConfig(url=redis_url, prefix="auth", data_dir=tmp_path)
    config: Config = replace(
        defaults(),
        connectors=(),
        redis=redis_config,
        users=USERS,
        auth=AuthConfig(cookie_secure=True),
    )
    app = create_app(config, clock=clock, scorer=scoring_pool, background=False)
    c: Client = await aiohttp_client(app)
    page = await c.get("/login")
    assert "Secure" in page.headers["Set-Cookie"]
