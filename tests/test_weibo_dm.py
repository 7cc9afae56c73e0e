"""Weibo private messages, Weibo's side calling us: signed URL binding, JSON and XML
pushes over real HTTP, retries, and the answer that makes Weibo push again."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from redis.asyncio import Redis

from connectors.base import PushConnector
from connectors.weibo_dm.push import signature
from tests.fake_weibo_dm import BRAND, FAN, SECRET, json_push, weibo_time, xml_push
from tests.fakes import FakeClock
from tests.weibo_dm_rig import rig

HARD = "你好！请问澜星的退款，怎么办？😀𠮷"  # full-width punctuation, emoji, a 4-byte CJK


def test_signature_is_the_documented_example() -> None:
    assert signature("xyz123xyz", "1397022061823", "57155157") == (
        "90e4c22c90a58f26526c2dd5b6c56c8822edeaa1"
    )


async def test_binding_echoes_only_a_good_signature(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock) as r:
        assert isinstance(r.connector, PushConnector)
        good = await r.pusher.bind()
        assert good.status == 200 and good.body == good.query["echostr"].encode()
        assert len(good.query["timestamp"]) == 13
        bad = await r.pusher.bind(secret="not-the-secret")
        assert bad.status == 403 and bad.query["echostr"].encode() not in bad.body
        unsigned = await r.pusher.send("GET", {"echostr": "abc"}, None)
        assert unsigned.status == 403 and b"abc" not in unsigned.body


async def test_json_text_push_becomes_a_dm_mention(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock) as r:
        tries = await r.pusher.push(json_push("text", HARD, clock.now()))
        assert [(t.status, t.body) for t in tries] == [(200, b"")]  # no passive reply
        [m] = r.inbox.mentions
        assert (m.platform, m.account, m.kind, m.text) == ("weibo", "dm", "dm", HARD)
        assert m.author.id == FAN and m.thread_id == FAN
        assert m.created_at == clock.now() and m.created_at.tzinfo == UTC
        assert m.reply_until == clock.now() + timedelta(hours=48)
        assert m.raw["sender_id"] == int(FAN) and m.raw["text"] == HARD
        assert m.platform_id.startswith(f"{FAN}-{int(clock.now().timestamp())}-")


async def test_xml_push_with_emoji(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock, format="xml") as r:
        tries = await r.pusher.push(xml_push("text", HARD, clock.now()))
        assert [(t.status, t.body) for t in tries] == [(200, b"")]
        [m] = r.inbox.mentions
        assert m.text == HARD and m.author.id == FAN and m.created_at == clock.now()
        assert m.raw["FromUserName"] == FAN and m.raw["MsgType"] == "text"


async def test_other_messages_get_a_placeholder_and_keep_raw(
    redis: Redis, clock: FakeClock
) -> None:
    now = clock.now()
    async with rig(redis, clock) as r:
        await r.pusher.push(json_push("voice", "发了一个语音消息", now, {"vfid": 821804459}))
        position = {"longitude": "116.308586", "latitude": "39.982525"}
        await r.pusher.push(json_push("position", "我在这里: http://t.cn/zQgLLYO", now, position))
        await r.pusher.push(json_push("image", "", now, {"vfid": 1, "tovfid": 2}))
        texts = [m.text for m in r.inbox.mentions]
        assert texts == [
            "[语音] 发了一个语音消息",
            "[位置] 我在这里: http://t.cn/zQgLLYO",
            "[图片]",
        ]
        assert r.inbox.mentions[1].raw["data"] == position
        assert len({m.platform_id for m in r.inbox.mentions}) == 3  # same second, all kept


async def test_events_mentions_and_unknown_types_are_acknowledged_not_delivered(
    redis: Redis, clock: FakeClock
) -> None:
    now = clock.now()
    bodies = [
        json_push("event", "关注事件消息", now, {"subtype": "follow"}),
        json_push(
            "event", "扫描二维码", now, {"subtype": "scan_follow", "key": "k", "ticket": "T"}
        ),
        json_push("event", "自定义菜单跳转链接事件消息", now, {"subtype": "view", "key": "u"}),
        json_push("mention", "@澜星 好", now, {"subtype": "status", "key": "4900000000000000"}),
        json_push("sticker", "?", now),
        json_push("text", "您好，已收到", now, fan=BRAND),  # the account's own message
    ]
    async with rig(redis, clock) as r:
        for body in bodies:
            assert [(t.status, t.body) for t in await r.pusher.push(body)] == [(200, b"")]
        assert r.inbox.calls == []


async def test_a_retry_gives_the_same_identity(redis: Redis, clock: FakeClock) -> None:
    now = clock.now()
    async with rig(redis, clock) as r:
        r.inbox.fail.append(ConnectionError("Redis away"))
        tries = await r.pusher.push(json_push("text", HARD, now))
        assert [t.status for t in tries] == [503, 200]
        assert tries[0].query["signature"] != tries[1].query["signature"]  # fresh signature
        first, second = r.inbox.calls
        assert first[0].identity == second[0].identity
        await r.pusher.push(json_push("text", HARD, now))  # Weibo pushes it once more
        await r.pusher.push(json_push("text", HARD + "!", now))  # another message, same second
        ids = [m.platform_id for m in r.inbox.mentions]
        assert ids[0] == ids[1] != ids[2]


async def test_no_answer_in_time_makes_weibo_push_the_same_body_again(
    redis: Redis, clock: FakeClock
) -> None:
    async with rig(redis, clock, ack_timeout=timedelta(seconds=1)) as r:
        r.pusher.timeout = 0.2  # Weibo's patience, shortened: our store takes 0.4 s once
        r.inbox.stall = 0.4
        body = json_push("text", HARD, clock.now())
        first = await r.pusher.push(body)
        assert [t.status for t in first] == [None] * 4  # dropped each time, as Weibo does
        r.inbox.stall = 0.0
        again = await r.pusher.push(body)
        assert [t.status for t in again] == [200]
        assert {m.identity for m in r.inbox.mentions} == {r.inbox.mentions[-1].identity}


async def test_a_huge_chunked_body_is_cut_off(redis: Redis, clock: FakeClock) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b" " * 65536

    async with rig(redis, clock) as r, aiohttp.ClientSession() as session:
        query = {"timestamp": "1397022061823", "nonce": "57155157"}
        query["signature"] = signature(SECRET, query["timestamp"], query["nonce"])
        async with session.post(r.pusher.url, params=query, data=chunks()) as resp:
            assert resp.status == 413 and r.inbox.calls == []


async def test_a_slow_store_is_answered_503_in_time(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock, ack_timeout=timedelta(seconds=0.2)) as r:
        r.inbox.stall = 1.0  # longer than ack_timeout, shorter than the pusher's patience
        r.pusher.attempts = 1
        [attempt] = await r.pusher.push(json_push("text", "在吗", clock.now()))
        assert attempt.status == 503 and r.inbox.mentions == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"type":"text",', 400),
        (b"[1,2]", 400),
        (json_push("text", "x", datetime(2026, 1, 1, tzinfo=UTC)).replace(b"+0800", b"CST"), 400),
        (
            json_push("text", "x", datetime(2026, 1, 1, tzinfo=UTC)).replace(BRAND.encode(), b"1"),
            400,
        ),
        (b"\xff\xfe{}", 400),
        (xml_push("text", "x", datetime(2026, 1, 1, tzinfo=UTC)), 415),  # format = json
        (b"{" + b" " * (1024 * 1024) + b"}", 413),
    ],
    ids=["truncated", "not-object", "bad-time", "other-account", "not-utf8", "xml", "huge"],
)
async def test_bad_pushes_are_refused_and_not_delivered(
    redis: Redis, clock: FakeClock, body: bytes, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    async with rig(redis, clock) as r:
        r.pusher.attempts = 1
        [attempt] = await r.pusher.push(body)
        assert attempt.status == status and r.inbox.calls == []
    [record] = [r for r in caplog.records if r.name.startswith("connectors.weibo_dm")]
    assert record.levelname in ("WARNING", "ERROR") and record.getMessage().startswith("dm: ")
    assert SECRET not in caplog.text and attempt.query["signature"] not in caplog.text


async def test_a_bad_signature_on_a_push_is_refused(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock) as r:
        r.pusher.attempts = 1
        [attempt] = await r.pusher.push(json_push("text", "x", clock.now()), secret="wrong")
        assert attempt.status == 403 and r.inbox.calls == []


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<xml><ToUserName>1902538057</ToUserName><FromUserName>2489518277</FromUserName>
<CreateTime>1348831860</CreateTime><MsgType>text</MsgType><Content>&d;</Content></xml>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY leak SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>1902538057</ToUserName><FromUserName>2489518277</FromUserName>
<CreateTime>1348831860</CreateTime><MsgType>text</MsgType><Content>&leak;</Content></xml>"""


@pytest.mark.parametrize("body", [BOMB, EXTERNAL], ids=["entity-bomb", "external-entity"])
async def test_xml_entities_are_refused(redis: Redis, clock: FakeClock, body: bytes) -> None:
    async with rig(redis, clock, format="xml") as r:
        r.pusher.attempts = 1
        [attempt] = await r.pusher.push(body)
        assert attempt.status == 400 and r.inbox.calls == []
        assert b"root:" not in attempt.body


async def test_data_as_a_string_and_lone_surrogates_are_taken(
    redis: Redis, clock: FakeClock
) -> None:
    push = {
        "type": "text",
        "receiver_id": int(BRAND),
        "sender_id": int(FAN),
        "created_at": weibo_time(clock.now()),
        "text": "hi \udc80",  # json.dumps writes lone surrogates as \u escapes
        "data": json.dumps({"note": "\ud800"}),
    }
    body = json.dumps(push)
    async with rig(redis, clock) as r:
        assert [t.status for t in await r.pusher.push(body.encode())] == [200]
        [m] = r.inbox.mentions
        assert m.text == "hi \ufffd" and m.raw["data"] == push["data"]  # as received
        m.to_json().encode("utf-8")  # storable


async def test_uids_as_strings_and_weibo_time_in_beijing(redis: Redis, clock: FakeClock) -> None:
    body = {
        "type": "text",
        "receiver_id": BRAND,
        "sender_id": FAN,
        "created_at": weibo_time(clock.now()),
        "text": "纯文本消息内容",
        "data": {},
    }
    async with rig(redis, clock) as r:
        await r.pusher.push(json.dumps(body, ensure_ascii=False).encode())
        [m] = r.inbox.mentions
        assert m.author.id == FAN and m.created_at == clock.now()
        assert "+0800" in body["created_at"]
