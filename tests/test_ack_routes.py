"""The ack page over real HTTP: opening the link never acks, its button does (as the
person paged, or as whoever is signed in), stale and forged links get a clear page; and
the workspace's POST /api/mentions/{id}/ack."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from responder.alerts.ack import AckTokens
from responder.alerts.links import ack_link
from responder.services import STORE
from responder.web.ack import ACK_DESK
from tests.conftest import ClientAs, MakeClient
from tests.fakes import FakeClock, mention
from tests.workspace import app_of, feed, mid

Client = TestClient[Any, Any]
A = mid("1")


@pytest.fixture
async def client(make_client: MakeClient, clock: FakeClock) -> Client:
    made = await make_client("ackweb")  # amy's API token
    await feed(made, clock, mention("1", text="手机充电发烫，客服一直不回"), mention("2"))
    return made


@pytest.fixture
async def anon(client: Client, client_as: ClientAs) -> Client:
    return await client_as(client, None)  # a phone that opened the link: nobody signed in


async def _tokens(client: Client) -> AckTokens:
    app = app_of(client)
    return await app[ACK_DESK].tokens(app)


async def _acked_by(client: Client, mention_id: str) -> str | None:
    store = app_of(client)[STORE]
    found = await store.redis.hget(store.keys.mention(mention_id), "acked_by")
    return str(found) if found is not None else None


def _path(token: str) -> str:
    return ack_link("", token)


async def test_opening_the_link_shows_the_mention_and_acks_nothing(
    client: Client, anon: Client, clock: FakeClock
) -> None:
    token = (await _tokens(client)).issue(f"m:{A}", "lee")
    clock.advance(17 * 60)  # two minutes past its deadline
    for _ in range(3):  # a chat app's preview, then the person, then again
        page = await anon.get(_path(token))
        assert page.status == 200
    html = await page.text()
    assert "手机充电发烫，客服一直不回" in html and "微博提及" in html and "小王" in html
    assert re.search(r"已超时 2分0秒 · 截止 11-20 09:15:00", html)  # Asia/Shanghai
    assert 'id="ack-button"' in html and 'method="post"' in html
    assert 'name="csrf"' not in html  # nobody is signed in
    assert await _acked_by(client, A) is None
    events = await app_of(client)[STORE].events_of(A)
    assert "acked" not in [e["type"] for e in events]
    assert page.headers["Cache-Control"] == "no-store"


async def test_the_button_acks_as_the_person_paged_and_only_once(
    client: Client, anon: Client, clock: FakeClock
) -> None:
    tokens = await _tokens(client)
    token = tokens.issue(f"m:{A}", "lee")
    done = await anon.post(_path(token))
    assert done.status == 200
    html = await done.text()
    assert "已确认，不会再升级" in html and '<strong id="ack-by">lee</strong>' in html
    assert await _acked_by(client, A) == "lee"
    clock.advance(60)
    again = await anon.post(_path(tokens.issue(f"m:{A}", "ada")))
    assert "已由 lee 确认，不会再升级" in await again.text()
    assert await _acked_by(client, A) == "lee"
    shown = await anon.get(_path(token))  # the link now says it is done, with no button
    assert "已由 lee 于" in await shown.text() and "ack-button" not in await shown.text()
    nobody = await anon.post(_path(tokens.issue(f"m:{mid('2')}")))
    assert nobody.status == 200 and await _acked_by(client, mid("2")) == "ack-link"
    event = (await app_of(client)[STORE].events_of(A))[-1]
    assert (event["type"], event["actor"], event["via"]) == ("acked", "lee", "link")


async def test_a_stale_link_is_gone_and_a_forged_one_is_refused(
    client: Client, anon: Client, clock: FakeClock
) -> None:
    token = (await _tokens(client)).issue(f"m:{A}", "lee")
    forged = AckTokens("guessed", clock, timedelta(hours=24)).issue(f"m:{A}", "lee")
    for bad in (forged, token[:-3] + "abc", "x"):
        for method in ("GET", "POST"):
            resp = await anon.request(method, _path(bad))
            assert resp.status == 400, bad
            assert "链接无效" in await resp.text()
    clock.advance(24 * 3600 + 1)
    for method in ("GET", "POST"):
        resp = await anon.request(method, _path(token))
        assert resp.status == 410
        assert "链接已过期（有效期 24 小时）" in await resp.text()
    assert await _acked_by(client, A) is None


async def test_a_signed_in_browser_acks_as_its_user(client: Client, anon: Client) -> None:
    token = (await _tokens(client)).issue(f"m:{A}", "lee")
    login = await anon.get("/login")
    found = re.search(r'name="csrf" value="([^"]+)"', await login.text())
    assert found is not None
    form = {"name": "bo", "password": "bo-password", "next": "/", "csrf": found[1]}
    assert (await anon.post("/login", data=form, allow_redirects=False)).status == 302
    page = await (await anon.get(_path(token))).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    # A post without the page's CSRF token (another site's form) is the link's person.
    done = await anon.post(_path(token), data={"csrf": "forged"})
    assert done.status == 200 and await _acked_by(client, A) == "lee"
    other = (await _tokens(client)).issue(f"m:{mid('2')}", "lee")
    page = await (await anon.get(_path(other))).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    done = await anon.post(_path(other), data={"csrf": csrf[1]})
    assert done.status == 200 and await _acked_by(client, mid("2")) == "bo"


@pytest.mark.parametrize("stored", ["warned", "warn"])  # a group's stage, since and before
async def test_a_group_link_shows_how_many_and_acks_them_all(
    client: Client, anon: Client, stored: str
) -> None:
    store = app_of(client)[STORE]
    await store.redis.hset(store.keys.alert_group("g7"), mapping={"stage": stored, "count": 2})
    await store.redis.sadd(store.keys.alert_group_members("g7"), A, mid("2"))
    token = (await _tokens(client)).issue("g:g7", "二线值班经理：李雷（夜班）")
    assert token.endswith("=")  # padding, percent-encoded in the link and decoded back
    page = await anon.get(_path(token))
    html = await page.text()
    assert page.status == 200 and "2 条提及即将超时" in html
    assert 'href="/?sort=deadline"' in html and f'href="/?m={A}"' in html
    assert await _acked_by(client, A) is None
    done = await anon.post(_path(token))
    assert "已确认，不会再升级" in await done.text()
    assert [await _acked_by(client, m) for m in (A, mid("2"))] == ["二线值班经理：李雷（夜班）"] * 2
    gone = await anon.get(_path((await _tokens(client)).issue("g:nope", "lee")))
    assert gone.status == 404 and "找不到这条告警" in await gone.text()


async def test_tokens_stay_out_of_the_access_log(
    client: Client, anon: Client, caplog: pytest.LogCaptureFixture
) -> None:
    token = (await _tokens(client)).issue(f"m:{A}", "lee")
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        await anon.get(_path(token))
        await anon.post(_path(token))
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert any("/ack/…" in line for line in lines), lines
    assert token[:20] not in caplog.text


async def test_the_api_acks_as_the_signed_in_user(
    client: Client, client_as: ClientAs, clock: FakeClock
) -> None:
    resp = await client.post(f"/api/mentions/{A}/ack")
    assert resp.status == 200
    assert await resp.json() == {
        "acked": True,
        "by": "amy",
        "at": clock.now().isoformat(),
        "first": True,
    }
    lee = await client_as(client, "lee")
    again = await (await lee.post(f"/api/mentions/{A}/ack", json={})).json()
    assert (again["by"], again["first"]) == ("amy", False)
    event = (await app_of(client)[STORE].events_of(A))[-1]
    assert (event["type"], event["actor"], event["via"]) == ("acked", "amy", "ui")
    detail = await (await client.get(f"/api/mentions/{A}")).json()
    assert (detail["acked_by"], detail["acked_at"]) == ("amy", clock.now().isoformat())
    missing = await client.post(f"/api/mentions/{mid('nope')}/ack")
    assert missing.status == 404
    assert (await client.post(f"/api/mentions/{A}/ack", json={"x": 1})).status == 400
    nobody = await client_as(client, None)
    assert (await nobody.post(f"/api/mentions/{mid('2')}/ack")).status == 401
    assert await _acked_by(client, mid("2")) is None


async def test_the_audit_log_names_acks_and_the_paging_events(
    client: Client, client_as: ClientAs
) -> None:
    await client.post(f"/api/mentions/{A}/ack")
    lee = await client_as(client, "lee")
    rows = (await (await lee.get("/api/audit")).json())["items"]  # people's actions
    acked = [r for r in rows if r["type"] == "acked"]
    assert [(r["actor"], r["type_label"], r["mention"]) for r in acked] == [("amy", "已确认", A)]
    assert acked[0]["details"] == {"via": "ui"}
    for kind in ("escalated", "paged", "page_failed", "page_held", "acked"):
        assert (await lee.get(f"/api/audit?type={kind}")).status == 200, kind
    page = await (await lee.get("/audit?type=acked")).text()
    assert "静默时段未通知" in page and "通知失败" in page and "amy" in page
