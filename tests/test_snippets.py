"""Saved snippets over the API with the real Redis: each agent's own, the team's kept by
leads, clear refusals for bad input."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import ClientAs, MakeClient

Client = TestClient[Any, Any]


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("snip")  # amy, an agent


async def _list(c: Client) -> dict[str, Any]:
    body: dict[str, Any] = await (await c.get("/api/snippets")).json()
    return body


async def test_mine_are_mine_and_the_teams_are_everyones(
    client: Client, client_as: ClientAs
) -> None:
    mine = {"scope": "mine", "name": "物流", "text": "单号发我们一下，马上帮你查物流📦"}
    assert (await client.post("/api/snippets", json=mine)).status == 200
    lee = await client_as(client, "lee")
    team = {"scope": "team", "name": "营业时间", "text": "门店每天 10:00-22:00 营业"}
    assert (await lee.post("/api/snippets", json=team)).status == 200
    assert await _list(client) == {
        "mine": [{"name": "物流", "text": mine["text"]}],
        "team": [{"name": "营业时间", "text": team["text"]}],
    }
    bo = await client_as(client, "bo")
    assert await _list(bo) == {"mine": [], "team": [{"name": "营业时间", "text": team["text"]}]}
    again = {**mine, "text": "订单号发我们，马上查"}  # the same name replaces it
    assert (await client.post("/api/snippets", json=again)).status == 200
    assert (await _list(client))["mine"] == [{"name": "物流", "text": "订单号发我们，马上查"}]
    gone = await client.post("/api/snippets/delete", json={"scope": "mine", "name": "物流"})
    assert gone.status == 200 and (await _list(client))["mine"] == []


async def test_only_leads_keep_the_teams(client: Client) -> None:
    team = {"scope": "team", "name": "x", "text": "y"}
    refused = await client.post("/api/snippets", json=team)
    assert refused.status == 403 and (await refused.json())["error"] == "需要组长权限"
    delete = await client.post("/api/snippets/delete", json={"scope": "team", "name": "x"})
    assert delete.status == 403


@pytest.mark.parametrize(
    "body",
    [
        {"scope": "mine", "name": "", "text": "y"},
        {"scope": "mine", "name": "x", "text": "   "},
        {"scope": "all", "name": "x", "text": "y"},
        {"scope": "mine", "name": "x" * 21, "text": "y"},
        {"scope": "mine", "name": "x", "text": "y" * 501},
        {"scope": "mine", "name": "a\nb", "text": "y"},
    ],
)
async def test_bad_snippets_are_refused_and_nothing_is_kept(
    client: Client, body: dict[str, Any]
) -> None:
    answer = await client.post("/api/snippets", json=body)
    assert answer.status == 400 and "error" in await answer.json()
    assert await _list(client) == {"mine": [], "team": []}


async def test_deleting_what_is_not_there_is_a_404(client: Client) -> None:
    answer = await client.post("/api/snippets/delete", json={"scope": "mine", "name": "无"})
    assert answer.status == 404 and "没有叫 无 的快捷短语" in (await answer.json())["error"]
