"""Real calls keep the description honest: the main endpoints' answers fit the documented
200 schema, and a bad request gets the documented error shape under a documented status."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from responder.config import OutboxConfig
from tests.conftest import MakeClient, bearer
from tests.fakes import FakeClock, mention
from tests.openapi_check import check_answer
from tests.workspace import feed, mid

Client = TestClient[Any, Any]
LEE, BO = bearer("lee"), bearer("bo")  # a lead; an agent other than the client's amy


@pytest.fixture
async def client(make_client: MakeClient, clock: FakeClock) -> Client:
    client = await make_client("oc")
    await feed(client, clock, mention("1"), mention("2", text="X7 Pro 充电时冒烟起火了"))
    return client


async def call(
    client: Client, method: str, url: str, template: str, status: int, **kwargs: Any
) -> Any:
    """Make the call, expect `status`, and check its JSON against the description."""
    answer = await client.request(method, url, **kwargs)
    body = await answer.json()
    assert answer.status == status, body
    check_answer(method.lower(), template, status, body)
    return body


async def test_the_queue(client: Client) -> None:
    page = await call(client, "GET", "/api/queue", "/api/queue", 200)
    assert page["total"] == 2
    await call(client, "GET", "/api/queue?sort=priority&q=卡", "/api/queue", 200)
    await call(client, "GET", "/api/queue?view=no_reply", "/api/queue", 200)
    bad = await call(client, "GET", "/api/queue?limit=0", "/api/queue", 400)
    assert bad["field"] == "limit"


async def test_a_mentions_detail_and_its_history(client: Client) -> None:
    one = "/api/mentions/{id}"
    body = await call(client, "GET", f"/api/mentions/{mid('1')}", one, 200)
    assert body["drafts"] and body["events"]
    crisis = await call(client, "GET", f"/api/mentions/{mid('2')}", one, 200)
    assert crisis["crisis"]["flag"]
    await call(client, "GET", "/api/mentions/not-an-id", one, 404)
    history = "/api/mentions/{id}/history"
    await call(client, "GET", f"/api/mentions/{mid('1')}/history", history, 200)
    await call(client, "GET", f"/api/mentions/{'0' * 16}/history", history, 404)


async def test_claim_approve_and_dismiss(client: Client) -> None:
    claim = "/api/mentions/{id}/claim"
    await call(client, "POST", f"/api/mentions/{mid('1')}/claim", claim, 200)
    taken = await call(client, "POST", f"/api/mentions/{mid('1')}/claim", claim, 409, headers=BO)
    assert "amy" in taken["error"]
    approve = "/api/mentions/{id}/approve"
    url = f"/api/mentions/{mid('1')}/approve"
    bad = await call(client, "POST", url, approve, 400, json={"draft": "0"})
    assert bad["field"] == "draft"
    await call(client, "POST", url, approve, 400, json={"draft": 0, "sent_by": "x"})
    done = await call(client, "POST", url, approve, 200, json={"draft": 0})
    assert done["state"] == "approved"
    dismiss = "/api/mentions/{id}/dismiss"
    gone = f"/api/mentions/{mid('1')}/dismiss"
    await call(client, "POST", gone, dismiss, 409, json={"reason": "spam"})
    other = f"/api/mentions/{mid('2')}/dismiss"
    await call(client, "POST", other, dismiss, 200, json={"reason": "spam"})
    await call(client, "POST", other, dismiss, 400, json={"reason": 5})


async def test_an_approval_held_for_undo(make_client: MakeClient, clock: FakeClock) -> None:
    client = await make_client("oc", outbox=OutboxConfig(undo_seconds=10))
    await feed(client, clock, mention("1"))
    url, template = f"/api/mentions/{mid('1')}/approve", "/api/mentions/{id}/approve"
    held = await call(client, "POST", url, template, 200, json={"text": "抱歉，我们马上看看"})
    assert held["state"] == "held" and held["held_until"]
    await call(client, "POST", url, template, 409, json={"draft": 0}, headers=BO)


async def test_meta_team_and_snippets(client: Client) -> None:
    await call(client, "GET", "/api/meta", "/api/meta", 200)
    await call(client, "GET", "/api/meta", "/api/meta", 401, headers={"Authorization": "Bearer x"})
    await call(client, "GET", "/api/team", "/api/team", 200)
    await call(client, "POST", "/api/me/away", "/api/me/away", 200, json={"away": True})
    await call(client, "POST", "/api/me/away", "/api/me/away", 400, json={"away": "yes"})
    saved = {"scope": "mine", "name": "物流", "text": "快递一般 2-3 天到"}
    await call(client, "POST", "/api/snippets", "/api/snippets", 200, json=saved)
    listed = await call(client, "GET", "/api/snippets", "/api/snippets", 200)
    assert listed["mine"] == [{"name": "物流", "text": "快递一般 2-3 天到"}]
    team = {**saved, "scope": "team"}
    await call(client, "POST", "/api/snippets", "/api/snippets", 403, json=team)
    forget = {"scope": "mine", "name": "没有"}
    await call(client, "POST", "/api/snippets/delete", "/api/snippets/delete", 404, json=forget)


async def test_the_audit_log_and_health(client: Client) -> None:
    await client.post(f"/api/mentions/{mid('1')}/dismiss", json={"reason": "spam"})
    log = await call(client, "GET", "/api/audit", "/api/audit", 200, headers=LEE)
    assert [row["type"] for row in log["items"]] == ["dismissed"]
    await call(client, "GET", "/api/audit", "/api/audit", 403)
    await call(client, "GET", "/api/audit?since=yesterday", "/api/audit", 400, headers=LEE)
    answer = await client.get("/api/health")
    full = await answer.json()
    assert "tasks" in full
    check_answer("get", "/api/health", answer.status, full)
    anyone = await client.get("/api/health", headers={"Authorization": "Bearer x"})
    assert await anyone.json() in (
        {"status": "ok", "role": "all"},
        {"status": "failing", "role": "all"},
    )
    check_answer("get", "/api/health", anyone.status, await anyone.json())


async def test_the_reports(client: Client) -> None:
    await client.post(f"/api/mentions/{mid('1')}/dismiss", json={"reason": "spam"})
    found = await call(client, "GET", "/api/reports", "/api/reports", 200, headers=LEE)
    assert found["range"]["zone"] == "Asia/Shanghai"
    await call(client, "GET", "/api/reports", "/api/reports", 403)  # amy is an agent
    await call(client, "GET", "/api/reports?since=nope", "/api/reports", 400, headers=LEE)
    gone = "/api/reports/nothing.csv"
    await call(client, "GET", gone, "/api/reports/{table}.csv", 404, headers=LEE)
