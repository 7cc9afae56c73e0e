"""The WeChat push endpoint over loopback, driven by a pusher built on wechatpy."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any, cast

import aiohttp
import pytest
from redis.asyncio import Redis

from connectors.base import PushConnector
from connectors.http import Http
from connectors.model import Mention
from connectors.registry import Context, build
from connectors.wechat import WechatConfig, WechatConnector
from connectors.wechat.crypto import signature
from responder.config import ConnectorConfig, RedisConfig, defaults
from responder.pipeline.scoring import ScoringPool
from responder.runtime import create_app
from responder.schema import Binder
from responder.services import SERVICES, STORE
from responder.store.keys import Keys, mention_id
from responder.store.shared import RedisShared
from responder.store.store import Store
from tests.fake_wechat import (
    AES_KEY,
    APP_SECRET,
    TOKEN,
    Mode,
    Pusher,
    cdata,
    event_xml,
    text_xml,
)
from tests.fakes import T0, FakeClock
from tests.test_wechat_crypto import raw_aes
from tests.wechat_rig import PATH, rig

AT = int(T0.timestamp())
TRICKY = "澜星客服在吗？😀𠮷　全角，标点！\u200b零宽 ]]> 与 <b>&amp;</b>"


async def test_url_verification_echoes_only_for_a_good_signature(
    redis: Redis, clock: FakeClock
) -> None:
    async with rig(redis, clock, aes=True) as r:
        query = {"timestamp": "1700000000", "nonce": "42", "echostr": "echo-5839201"}
        good = await r.pusher.send(
            query | {"signature": r.pusher.sign("1700000000", "42")}, b"", "GET"
        )
        assert (good.status, good.body) == (200, "echo-5839201")
        bad = await r.pusher.send(query | {"signature": "0" * 40}, b"", "GET")
        assert bad.status == 403 and "echo-5839201" not in bad.body
        assert bad.body == "bad signature (is the Token the console shows?)\n"
        unsigned = await r.pusher.send(query, b"", "GET")
        assert unsigned.status == 403


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
async def test_a_text_message_becomes_a_mention_in_every_mode(
    redis: Redis, clock: FakeClock, mode: Mode
) -> None:
    async with rig(redis, clock, aes=mode != "plain") as r:
        xml = text_xml("o-user-1", TRICKY, msg_id=4363689963896700987, create_time=AT)
        answer = await r.pusher.push(xml, mode)
        assert answer.status == 200 and answer.attempts == 1
        assert answer.body == ("success" if mode == "plain" else "")  # §2.4: empty if encrypted
        assert r.pusher.accepts(answer)
        [mention] = r.delivered.mentions
        assert mention.identity == ("wechat", "lanxing", "4363689963896700987")
        assert mention.text == TRICKY
        assert (mention.kind, mention.thread_id) == ("message", "o-user-1")
        assert (mention.author.id, mention.author.name) == ("o-user-1", "o-user-1")
        assert mention.created_at == T0 and mention.created_at.tzinfo == UTC
        assert mention.reply_until == T0 + timedelta(hours=48)
        assert mention.raw["Content"] == TRICKY and mention.raw["MsgType"] == "text"
        assert "Encrypt" not in mention.raw  # the decrypted message, not the envelope


async def test_compatible_mode_without_a_key_reads_the_plain_fields(
    redis: Redis, clock: FakeClock
) -> None:
    async with rig(redis, clock, aes=False) as r:
        answer = await r.pusher.push(text_xml("o1", "你好", msg_id=7, create_time=AT), "compatible")
        assert answer.status == 200
        assert [m.text for m in r.delivered.mentions] == ["你好"]
        safe = await r.pusher.push(text_xml("o1", "再见", msg_id=8, create_time=AT), "safe")
        assert safe.status == 400 and "encoding_aes_key is not configured" in safe.body
        assert len(r.delivered.mentions) == 1


@pytest.mark.parametrize(
    ("msg_type", "extra", "text"),
    [
        ("image", "<PicUrl><![CDATA[http://mmbiz/x.jpg]]></PicUrl><MediaId>m1</MediaId>", "[图片]"),
        ("voice", "<MediaId>m2</MediaId><Format>amr</Format>", "[语音]"),
        ("voice", "<Recognition><![CDATA[快递到哪了]]></Recognition>", "[语音] 快递到哪了"),
        ("video", "<MediaId>m3</MediaId>", "[视频]"),
        ("shortvideo", "<MediaId>m4</MediaId>", "[小视频]"),
        ("location", "<Location_X>23.13</Location_X><Label>广州塔</Label>", "[位置] 广州塔"),
        ("link", "<Title>测评</Title><Url>https://x.cn/1</Url>", "[链接] 测评 https://x.cn/1"),
        ("miniprogrampage", "<Title>t</Title>", "[miniprogrampage]"),
    ],
)  # fmt: skip
async def test_other_messages_become_placeholders_with_the_payload_kept(
    redis: Redis, clock: FakeClock, msg_type: str, extra: str, text: str
) -> None:
    xml = (
        f"<xml><ToUserName>{cdata('gh_1')}</ToUserName><FromUserName>{cdata('o2')}</FromUserName>"
        f"<CreateTime>{AT}</CreateTime><MsgType>{cdata(msg_type)}</MsgType>{extra}"
        f"<MsgId>99</MsgId></xml>"
    )
    async with rig(redis, clock, aes=True) as r:
        answer = await r.pusher.push(xml, "safe")
        assert answer.status == 200
        [mention] = r.delivered.mentions
        assert mention.text == text and mention.raw["MsgType"] == msg_type
        assert mention.platform_id == "99"


@pytest.mark.parametrize("event", ["subscribe", "unsubscribe", "CLICK", "VIEW", "SCAN", "新事件"])
async def test_events_are_answered_but_are_not_mentions(
    redis: Redis, clock: FakeClock, event: str
) -> None:
    async with rig(redis, clock) as r:
        answer = await r.pusher.push(event_xml("o3", event, create_time=AT))
        assert (answer.status, answer.body) == (200, "success")
        assert r.delivered.mentions == [] and r.delivered.calls == 0


async def test_a_retry_is_the_same_mention_and_a_message_without_msgid_is_keyed_by_time(
    redis: Redis, clock: FakeClock
) -> None:
    async with rig(redis, clock) as r:
        xml = text_xml("o4", "第一条", msg_id=12345678901234567, create_time=AT)
        await r.pusher.push(xml)
        await r.pusher.push(xml, timestamp="1700000009", nonce="other")  # a later resend
        first, again = r.delivered.mentions
        assert first.identity == again.identity == ("wechat", "lanxing", "12345678901234567")
        bare = xml.replace("<MsgId>12345678901234567</MsgId>", "")
        await r.pusher.push(bare)
        assert r.delivered.mentions[-1].platform_id == f"o4:{AT}"


async def test_a_failed_or_slow_store_gets_503_and_wechat_retries(
    redis: Redis, clock: FakeClock
) -> None:
    async with rig(redis, clock, deadline=0.3, pusher_timeout=5.0) as r:
        xml = text_xml("o5", "在吗😀", msg_id=555, create_time=AT)
        r.delivered.trouble = [ConnectionError("Redis went away"), 30.0]
        started = time.monotonic()
        answer = await r.pusher.push(xml)
        assert (answer.status, answer.body, answer.attempts) == (200, "success", 3)
        assert time.monotonic() - started < 3.0  # the hang was cut at the deadline
        assert [m.platform_id for m in r.delivered.mentions] == ["555"]
        r.delivered.trouble = [ConnectionError("down")] * 4  # down for every try
        answer = await r.pusher.push(xml)
        assert (answer.status, answer.attempts) == (503, 4) and answer.body != "success"
        assert not r.pusher.accepts(answer)


async def test_pushes_reach_the_ingest_stream_through_the_real_store(
    redis: Redis, clock: FakeClock, store: Store
) -> None:
    async def deliver(mentions: Sequence[Mention]) -> None:
        await store.ingest("lanxing", mentions, None, clock.now())

    async with rig(redis, clock, aes=True, deliver=deliver) as r:
        xml = text_xml("o6", "😀𠮷", msg_id=6, create_time=AT)
        for nonce in ("1", "2"):  # WeChat's retry of the same message
            assert (await r.pusher.push(xml, "safe", nonce=nonce)).status == 200
    entries = cast(list[tuple[str, dict[str, str]]], await redis.xrange(store.keys.ingest))
    stored = [Mention.from_json(fields["mention"]) for _, fields in entries]
    assert [m.identity for m in stored] == [("wechat", "lanxing", "6")] * 2  # deduped later
    assert '"text":"😀𠮷"' in entries[0][1]["mention"]  # raw UTF-8, not \\u escapes


XXE = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    "<xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>&x;</Content><MsgId>1</MsgId></xml>"
)
BOMB = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
    + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefg", "bcdefgh", strict=True)
    )
    + "]><xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>"
    "<Content>&h;</Content><MsgId>1</MsgId></xml>"
)


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (XXE, 400, "XML refused: DTDForbidden"),
        (BOMB, 400, "XML refused: DTDForbidden"),
        ("<xml><FromUserName>o</From", 400, "malformed XML"),
        ("<root><FromUserName>o</FromUserName></root>", 400, "expected <xml>"),
        ("<xml><FromUserName>o</FromUserName><CreateTime>x</CreateTime></xml>", 400, "unix"),
        ("<xml>" + "<a>b</a>" * 150_000 + "</xml>", 413, "body over 1048576 bytes"),
    ],
)
async def test_broken_or_hostile_plain_pushes_are_refused(
    redis: Redis, clock: FakeClock, body: str, status: int, reason: str
) -> None:
    async with rig(redis, clock) as r:
        query, _ = r.pusher.build("<xml/>", "plain")
        answer = await r.pusher.send(query, body.encode())
        assert answer.status == status and reason in answer.body
        assert r.delivered.calls == 0


async def test_an_oversized_body_without_a_length_is_cut_off(
    redis: Redis, clock: FakeClock
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"<xml>"
        for _ in range(300):  # 300 x 4 KiB, no Content-Length: chunked
            yield b"<a>" + b"x" * 4089 + b"</a>"[:4]

    async with rig(redis, clock) as r:
        query, _ = r.pusher.build("<xml/>", "plain")
        async with (
            aiohttp.ClientSession() as session,
            session.post(r.pusher.url, params=query, data=chunks()) as resp,
        ):
            assert resp.status == 413 and "body over" in await resp.text()
        assert r.delivered.calls == 0


def _envelope(pusher: Pusher, encrypt: str) -> tuple[dict[str, str], bytes]:
    """A safe-mode push of `encrypt`, correctly signed: only the inside can be wrong."""
    query, _ = pusher.build("<xml/>", "plain", timestamp="1700000000", nonce="7")
    query |= {"encrypt_type": "aes", "msg_signature": signature(TOKEN, "1700000000", "7", encrypt)}
    return query, f"<xml><Encrypt>{cdata(encrypt)}</Encrypt></xml>".encode()


async def test_forged_or_foreign_encrypted_pushes_are_refused_and_logged_without_secrets(
    redis: Redis, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    xml = text_xml("o7", "hi", msg_id=1, create_time=AT)
    async with rig(redis, clock, aes=True) as r:
        query, body = r.pusher.build(xml, "safe")
        forged = await r.pusher.send(query | {"msg_signature": "f" * 40}, body)
        assert (forged.status, forged.body) == (403, "bad msg_signature\n")
        foreign = Pusher(r.pusher.url, app_id="wx1111111111111111")
        wrong_app = await foreign.push(xml, "safe")
        assert wrong_app.status == 403 and "another AppID" in wrong_app.body
        padded_badly = await r.pusher.send(*_envelope(r.pusher, raw_aes(b"\x00" * 32)))
        assert padded_badly.status == 400 and "padding" in padded_badly.body
        plain = await r.pusher.push(xml, "plain")
        assert plain.status == 403 and "must be encrypted" in plain.body
        other_key = Pusher(r.pusher.url, aes_key="A" * 43)
        rotated = await other_key.push(xml, "safe")  # in flight across a key rotation
        assert rotated.status in (400, 403)
        assert r.delivered.calls == 0
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged.count("wechat lanxing: refused POST") == 5
    for secret in (TOKEN, AES_KEY, APP_SECRET):
        assert secret not in logged


def test_config_errors_are_clear_and_never_show_a_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WX_TOKEN", TOKEN)
    monkeypatch.setenv("WX_SECRET", APP_SECRET)
    monkeypatch.setenv("WX_AES", "tooshort-secretvalue")
    binder = Binder(Path.cwd())
    table = {
        "path": "/wechat",
        "app_id": "wx49f0ab532d5d035a",
        "token_env": "WX_TOKEN",
        "app_secret_env": "WX_SECRET",
    }
    assert binder.bind(WechatConfig, table, "connectors.lanxing") is None
    short_key = {"path": "/hooks/wechat/lanxing", "encoding_aes_key_env": "WX_AES"}
    assert binder.bind(WechatConfig, table | short_key, "c") is None
    assert binder.bind(WechatConfig, table | {"path": "/hooks/x", "token": "inline"}, "d") is None
    assert binder.errors == [
        'connectors.lanxing: path must start with "/hooks/" and be a plain URL path such as '
        '"/hooks/wechat/lanxing", got "/wechat"',
        "c: encoding_aes_key must be the 43 letters and digits the WeChat console shows "
        "(EncodingAESKey), got 20 characters",
        'd.token: secrets are read from the environment: write token_env = "VARIABLE"',
    ]
    good = binder.bind(WechatConfig, table | {"path": "/hooks/wechat/lanxing"}, "e")
    assert good is not None and good.encoding_aes_key is None
    assert good.api_base == "https://api.weixin.qq.com" and TOKEN not in repr(good)


async def test_the_registry_builds_a_push_connector(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock) as r:
        ctx = Context(
            http=Http(), shared=lambda name: RedisShared(redis, Keys("t"), name), now=clock.now
        )
        built = build("wechat", "lanxing", r.config, ctx)
        assert isinstance(built, WechatConnector) and isinstance(built, PushConnector)
        assert built.path == "/hooks/wechat/lanxing" and built.name == "lanxing"


async def test_the_web_app_mounts_it_and_a_retried_push_is_queued_once(
    aiohttp_client: Any,
    redis_url: str,
    scoring_pool: ScoringPool,
    clock: FakeClock,
    data_dir: Path,
    redis: Redis,
) -> None:
    async with rig(redis, clock, aes=True) as r:
        config = replace(
            defaults(),
            connectors=(ConnectorConfig(name="lanxing", type="wechat", options=r.config),),
            redis=RedisConfig(url=redis_url, prefix="wx", data_dir=data_dir),
        )
        app = create_app(config, clock=clock, scorer=scoring_pool, background=False)
        client = await aiohttp_client(app)
        pusher = Pusher(str(client.make_url(PATH)))
        xml = text_xml("o-app", "你们的耳机坏了😡", msg_id=777, create_time=AT)
        for nonce in ("1", "2"):  # the first answer was lost: WeChat sends it again
            answer = await pusher.push(xml, "safe", nonce=nonce)
            assert answer.status == 200 and pusher.accepts(answer)
        pipeline = app[SERVICES].pipeline
        assert pipeline is not None
        await pipeline.run_once()
        stored = await app[STORE].mention(mention_id("wechat", "lanxing", "777"))
        assert stored is not None
        assert (stored["text"], stored["thread_id"], stored["state"]) == (
            "你们的耳机坏了😡",
            "o-app",
            "queued",
        )
        assert await app[STORE].redis.zcard(app[STORE].keys.queue) == 1
