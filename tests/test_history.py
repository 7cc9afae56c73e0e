"""The customer's history over real HTTP and the real Redis: a mention's detail lists the
same person's closed mentions on the platform with our replies, newest first, at most 20
with the total; expired ones are skipped; agents link accounts across platforms (and
unlink them), recorded in the audit log; bad input gets a clear 400."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import pytest

from connectors.model import Author
from responder.config import OutboxConfig, RetentionConfig
from responder.services import STORE
from responder.store.people import HISTORY_KEPT
from responder.store.store import Store
from responder.web.approving import Committer
from tests.conftest import MakeClient
from tests.fakes import FakeClock, mention
from tests.workspace import Client, app_of, as_user, feed, mid

WANG = Author(id="u1", name="小王", followers=12)
LI = Author(id="u9", name="小李", followers=40)
WANG_WX = Author(id="oXyz", name="王先生", followers=0)


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("hist")


def _store(client: Client) -> Store:
    return app_of(client)[STORE]


async def _history(client: Client, id_: str) -> dict[str, Any]:
    resp = await client.get(f"/api/mentions/{id_}/history")
    assert resp.status == 200, await resp.text()
    return cast(dict[str, Any], await resp.json())


async def _post(client: Client, path: str, body: Any, status: int = 200) -> dict[str, Any]:
    resp = await client.post(path, json=body)
    assert resp.status == status, await resp.text()
    return cast(dict[str, Any], await resp.json())


async def _said(client: Client, clock: FakeClock, pid: str, minutes_ago: int, **more: Any) -> str:
    """Feed mention `pid` written `minutes_ago`; return its id."""
    written = clock.now() - timedelta(minutes=minutes_ago)
    await feed(client, clock, mention(pid, created_at=written, **more))
    return mid(pid, more.get("platform", "weibo"), more.get("account", "lanxing"))


async def test_the_same_persons_closed_mentions_show_with_our_reply(
    client: Client, clock: FakeClock
) -> None:
    battery = await _said(client, clock, "1", 300, author=WANG, text="X7 电池一天就没电了")
    again = await _said(client, clock, "2", 200, author=WANG, text="电池还是不行，谁管管")
    chatter = await _said(client, clock, "3", 150, author=WANG, text="X7 怎么设置息屏显示？")
    other = await _said(client, clock, "4", 100, author=LI, text="X7 电池也不行")
    tieba = await _said(
        client, clock, "5", 90, author=WANG, platform="tieba", account="lanxingba", kind="post"
    )
    now = await _said(client, clock, "6", 1, author=WANG, text="第三次说电池了！")
    told = "抱歉让你久等了，电池的问题我们帮你登记售后检测"
    await _post(client, f"/api/mentions/{battery}/reply", {"text": told, "override": True})
    await _post(client, f"/api/mentions/{again}/dismiss", {"reason": "重复"})
    await _post(client, f"/api/mentions/{chatter}/no_reply", {"reason": "other"})
    await _post(client, f"/api/mentions/{other}/dismiss", {})
    await _post(client, f"/api/mentions/{tieba}/dismiss", {})

    got = await _history(client, now)
    assert got["account"] == {"platform": "weibo", "author_id": "u1"}
    assert got["linked"] == [] and got["total"] == 3 and got["limit"] == 20
    assert [i["id"] for i in got["items"]] == [chatter, again, battery]  # newest first
    first = got["items"][2]
    assert (first["text"], first["state"]) == ("X7 电池一天就没电了", "approved")
    assert first["reply_text"] == told
    assert first["closed_by"] == "amy" and first["author"] == {"id": "u1", "name": "小王"}
    assert got["items"][1]["state"] == "dismissed" and got["items"][1]["reply_text"] is None
    assert got["items"][1]["dismiss_reason"] == "重复"
    assert got["items"][0]["state"] == "no_reply"
    # An earlier one's own history has the others but never itself.
    assert [i["id"] for i in (await _history(client, battery))["items"]] == [chatter, again]
    # 小李's and the Tieba account's are their own.
    assert [i["id"] for i in (await _history(client, other))["items"]] == []
    assert (await _history(client, tieba))["account"] == {"platform": "tieba", "author_id": "u1"}


async def test_the_same_persons_open_mentions_show_until_they_close(
    client: Client, clock: FakeClock
) -> None:
    """Still in the queue: the same person's other open conversations, by deadline, on
    this platform and on the accounts linked to theirs; never the mention itself."""
    older = await _said(client, clock, "1", 12, author=WANG, text="充电器能单独买吗")
    newer = await _said(client, clock, "2", 3, author=WANG, text="上面那个问题还没人回")
    await _said(client, clock, "3", 5, author=LI, text="X7 电池也不行")
    tieba = await _said(
        client, clock, "4", 8, author=WANG, platform="tieba", account="lanxingba", kind="post"
    )
    got = await _history(client, newer)
    assert [i["id"] for i in got["open"]] == [older]
    assert got["open"][0]["state"] == "queued" and got["open"][0]["closed_at"] is None
    assert got["total"] == 0 and got["items"] == []
    link = {
        "a": {"platform": "weibo", "author_id": "u1"},
        "b": {"platform": "tieba", "author_id": "u1"},
    }
    await _post(client, "/api/people/link", link)
    assert [i["id"] for i in (await _history(client, newer))["open"]] == [older, tieba]
    await _post(client, f"/api/mentions/{older}/dismiss", {})
    got = await _history(client, newer)
    assert [i["id"] for i in got["open"]] == [tieba]
    assert [i["id"] for i in got["items"]] == [older]


async def test_pending_mentions_are_not_indexed_and_closing_keeps_the_retention(
    client: Client, clock: FakeClock
) -> None:
    store = _store(client)
    first = await _said(client, clock, "1", 60, author=WANG)
    await _said(client, clock, "2", 30, author=WANG)
    key = store.keys.history("weibo", "u1")
    assert not await store.redis.exists(key)  # taken in and queued: nothing per author
    await _post(client, f"/api/mentions/{first}/dismiss", {})
    assert await store.redis.zrange(key, 0, -1) == [first]
    kept = RetentionConfig().closed.total_seconds()
    assert kept - 5 < await store.redis.ttl(key) <= kept


async def test_an_approval_held_for_its_send_delay_joins_the_history_when_it_counts(
    make_client: MakeClient, clock: FakeClock
) -> None:
    client = await make_client("hist", outbox=OutboxConfig(undo_seconds=10))
    first = await _said(client, clock, "1", 60, author=WANG)
    now = await _said(client, clock, "2", 1, author=WANG)
    told = "抱歉抱歉，马上帮你看"
    held = await _post(client, f"/api/mentions/{first}/reply", {"text": told, "override": True})
    assert held["state"] == "held"
    assert (await _history(client, now))["total"] == 0  # undo is still possible
    clock.advance(11)
    await Committer(app_of(client)).step()
    got = await _history(client, now)
    assert [(i["id"], i["reply_text"]) for i in got["items"]] == [(first, told)]


async def test_at_most_20_shown_with_the_total_and_the_newest_50_kept(
    client: Client, clock: FakeClock
) -> None:
    many = HISTORY_KEPT + 2
    await feed(
        client,
        clock,
        *(
            mention(f"p{i}", author=WANG, created_at=clock.now() - timedelta(minutes=many - i))
            for i in range(many)
        ),
    )
    ids = [mid(f"p{i}") for i in range(many)]
    for id_ in ids[:-1]:
        await _post(client, f"/api/mentions/{id_}/dismiss", {})
    got = await _history(client, ids[-1])
    assert got["total"] == HISTORY_KEPT  # the two oldest fell out of the index
    assert [i["id"] for i in got["items"]] == ids[-2:-22:-1]  # the newest 20, newest first
    assert await _store(client).redis.zcard(_store(client).keys.history("weibo", "u1")) == 50


async def test_a_mention_whose_hash_expired_is_skipped(client: Client, clock: FakeClock) -> None:
    store = _store(client)
    gone = await _said(client, clock, "1", 90, author=WANG)
    kept = await _said(client, clock, "2", 60, author=WANG)
    now = await _said(client, clock, "3", 1, author=WANG)
    for id_ in (gone, kept):
        await _post(client, f"/api/mentions/{id_}/dismiss", {})
    assert (await _history(client, now))["total"] == 2
    await store.redis.expire(store.keys.mention(gone), 0)  # its retention ran out
    got = await _history(client, now)
    assert got["total"] == 1 and [i["id"] for i in got["items"]] == [kept]


async def test_linking_accounts_across_platforms_shows_both_and_unlinking_parts_them(
    client: Client, clock: FakeClock
) -> None:
    weibo = await _said(client, clock, "1", 100, author=WANG, text="X7 电池不行")
    wechat = await _said(
        client, clock, "w1", 50, author=WANG_WX, platform="wechat", account="gh_3f2a", kind="dm"
    )
    tieba = await _said(
        client, clock, "t1", 40, author=WANG, platform="tieba", account="lanxingba", kind="post"
    )
    now = await _said(client, clock, "2", 1, author=WANG)
    for id_ in (weibo, wechat, tieba):
        await _post(client, f"/api/mentions/{id_}/dismiss", {})
    assert [i["id"] for i in (await _history(client, now))["items"]] == [weibo]

    me = {"platform": "weibo", "author_id": "u1"}
    wx = {"platform": "wechat", "author_id": "oXyz"}
    tb = {"platform": "tieba", "author_id": "u1"}
    done = await _post(client, "/api/people/link", {"a": wx, "b": me, "mention": now})
    assert done["linked"] is True and done["size"] == 2
    got = await _history(client, now)
    assert got["linked"] == [wx] and [i["id"] for i in got["items"]] == [wechat, weibo]
    assert got["items"][0]["platform"] == "wechat"
    # From the other side the link holds too; a third account joins the whole group.
    await _post(client, "/api/people/link", {"a": tb, "b": wx})
    assert [i["id"] for i in (await _history(client, now))["items"]] == [tieba, wechat, weibo]
    assert (await _history(client, wechat))["linked"] == [tb, me]
    refused = await _post(client, "/api/people/link", {"a": me, "b": tb}, 409)
    assert refused["code"] == "linked" and "已经关联" in refused["error"]

    await _post(client, "/api/people/unlink", {"a": wx, "b": me, "mention": now})
    got = await _history(client, now)
    assert got["linked"] == [tb] and [i["id"] for i in got["items"]] == [tieba, weibo]
    assert (await _history(client, wechat))["linked"] == []
    refused = await _post(client, "/api/people/unlink", {"a": wx, "b": me}, 409)
    assert refused["code"] == "not_linked"

    # Who linked and unlinked, in the audit log, with the mention it was done from.
    resp = await client.get("/api/audit", headers=as_user("lee"))
    rows = (await resp.json())["items"]
    people = [(r["type"], r["actor"], r["mention"], r["type_label"]) for r in rows[:3]]
    assert people == [
        ("unlinked", "amy", now, "取消关联账号"),
        ("linked", "amy", "", "关联账号"),
        ("linked", "amy", now, "关联账号"),
    ]
    assert rows[0]["text"] == "wechat:oXyz ↔ weibo:u1"


U1 = {"platform": "weibo", "author_id": "u1"}


def _a(**part: Any) -> dict[str, Any]:
    return {"platform": "weibo", "author_id": "1", **part}


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"b": U1}, "a", "non-empty"),
        ({"a": "weibo:u1", "b": U1}, "a", "JSON object"),
        ({"a": _a(platform="myspace"), "b": U1}, "a.platform", "平台"),
        ({"a": _a(platform=["weibo"]), "b": U1}, "a.platform", "平台"),
        ({"a": _a(author_id="  "), "b": U1}, "a.author_id", "非空"),
        ({"a": _a(author_id=123), "b": U1}, "a.author_id", "非空"),
        ({"a": _a(author_id="x" * 200), "b": U1}, "a.author_id", "最多"),
        ({"a": _a(author_id="1\n2"), "b": U1}, "a.author_id", "控制字符"),
        ({"a": _a(name="x"), "b": U1}, "a.name", "不认识"),
        ({"a": _a(), "b": U1, "mention": "../x"}, "mention", "编号"),
        ({"a": _a(), "b": U1, "who": "amy"}, "who", "unknown"),
    ],
)
async def test_bad_input_gets_a_clear_400_and_changes_nothing(
    client: Client, body: dict[str, Any], field: str, words: str
) -> None:
    for path in ("/api/people/link", "/api/people/unlink"):
        got = await _post(client, path, body, 400)
        assert got["field"] == field and words in got["error"], got
    store = _store(client)
    assert await store.redis.keys(store.keys.linked("*", "*")[:-16] + "*") == []


async def test_an_account_is_not_linked_to_itself_and_unknown_mentions_are_404(
    client: Client,
) -> None:
    me = {"platform": "weibo", "author_id": "u1"}
    same = await _post(client, "/api/people/link", {"a": me, "b": dict(me)}, 400)
    assert same["code"] == "same" and "自己" in same["error"]
    assert (await client.get(f"/api/mentions/{'0' * 16}/history")).status == 404
    assert (await client.get("/api/mentions/nope/history")).status == 404
