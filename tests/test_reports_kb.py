"""Draft acceptance per knowledge-base entry (docs/reports.md): through the real pipeline,
the approval API, the rollup step and a rebuild."""

from __future__ import annotations

import csv
import io
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from responder.reports.rebuild import rebuild
from responder.services import STORE
from tests.conftest import MakeClient
from tests.fakes import T0, FakeClock, mention
from tests.workspace import Client, app_of, as_user, catch_up, feed, mid, rollup_of

DAY = T0.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
NFC = "小区门禁卡能用手机刷吗？"  # each draft quotes the nfc_cards entry's answer
ASKS = {
    "a": NFC,
    "d": "NFC公交卡怎么开？",
    "b": "换新手机了 微信聊天记录怎么搬过去？",  # data_migration
    "c": "锁屏杂志怎么关？天天推广告",  # lockscreen_ads
    "n": "X7 又卡了，烦死了",  # lag: no entry answers it
}
EXPECTED = [
    {
        "entry": "nfc_cards",
        "title": "NFC",
        "question": "NFC门禁卡怎么添加",
        "offered": 2,
        "as_is": 1,
        "edited": 1,
        "written": 0,
        "acceptance": 1.0,
    },
    {
        "entry": "data_migration",
        "title": "换机",
        "question": "换新手机怎么把旧手机数据搬过去",
        "offered": 1,
        "as_is": 0,
        "edited": 0,
        "written": 1,
        "acceptance": 0.0,
    },
    {
        "entry": "lockscreen_ads",
        "title": "锁屏推荐",
        "question": "怎么关掉锁屏推荐",
        "offered": 1,
        "as_is": 1,
        "edited": 0,
        "written": 0,
        "acceptance": 1.0,
    },
]


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("kb")


async def _approve(client: Client, pid: str, user: str, **body: Any) -> None:
    resp = await client.post(f"/api/mentions/{mid(pid)}/approve", json=body, headers=as_user(user))
    assert resp.status == 200, await resp.text()


async def _knowledge(client: Client) -> list[dict[str, Any]]:
    params = {"since": DAY, "until": DAY}
    resp = await client.get("/api/reports", params=params, headers=as_user("lee"))
    assert resp.status == 200, await resp.text()
    return cast(list[dict[str, Any]], (await resp.json())["knowledge"]["rows"])


async def _answer_each_way(client: Client, clock: FakeClock) -> None:
    await feed(client, clock, *(mention(p, text=t) for p, t in ASKS.items()))
    clock.advance(120)
    await _approve(client, "a", "amy", draft=0)  # as is
    second = await (await client.get(f"/api/mentions/{mid('d')}")).json()
    await _approve(client, "d", "bo", draft=1, text=second["drafts"][1]["text"] + "有事再找我！")
    await _approve(client, "b", "lee", text="换机的事我私信你一步步说哈")  # written anew
    await _approve(client, "c", "amy", draft=2)
    await _approve(client, "n", "amy", draft=0)  # its drafts quote no entry
    await catch_up(client)


async def test_acceptance_per_entry_counts_offers_and_how_each_was_used(
    client: Client, clock: FakeClock
) -> None:
    await _answer_each_way(client, clock)
    assert await _knowledge(client) == EXPECTED
    # What the approvals' events recorded (a pending mention's hash keeps nothing more).
    store = app_of(client)[STORE]
    approved = {
        p: next(e for e in await store.events_of(mid(p)) if e["type"] == "approved") for p in "abn"
    }
    assert (approved["a"]["kb_offered"], approved["a"]["draft_kb"]) == (["nfc_cards"], "nfc_cards")
    assert approved["b"]["kb_offered"] == ["data_migration"] and "draft_kb" not in approved["b"]
    assert "kb_offered" not in approved["n"] and "draft_kb" not in approved["n"]
    # The CSV for Excel: the entry as people know it, the raw counts.
    resp = await client.get(
        "/api/reports/knowledge.csv", params={"since": DAY, "until": DAY}, headers=as_user("lee")
    )
    assert resp.status == 200
    rows = list(csv.reader(io.StringIO((await resp.read()).decode("utf-8-sig"))))
    assert rows[1] == ["条目", "常见问法", "提供", "直接用", "改后用", "自己写", "采用率", "条目ID"]
    assert rows[2] == ["NFC", "NFC门禁卡怎么添加", "2", "1", "1", "0", "1.0", "nfc_cards"]
    assert len(rows) == 5


async def test_a_rebuild_counts_each_entry_the_same(client: Client, clock: FakeClock) -> None:
    await _answer_each_way(client, clock)
    store = app_of(client)[STORE]
    day = store.keys.report_day(DAY)
    counted = cast(dict[str, str], await store.redis.hgetall(day))
    assert counted["k:nfc_cards|offered"] == "2"
    await store.redis.hdel(day, *(k for k in counted if k.startswith("k:")))
    assert await _knowledge(client) == []
    done = await rebuild(rollup_of(client))
    assert done.mentions == len(ASKS)
    assert await store.redis.hgetall(day) == counted
    assert await _knowledge(client) == EXPECTED
