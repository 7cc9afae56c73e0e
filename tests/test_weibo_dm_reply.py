"""Weibo private messages, our side calling Weibo: the active reply API byte for byte,
the window and quota refused before calling (quota in the real Redis), error mapping."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from redis.asyncio import Redis

from connectors.errors import AuthFailed, ConnectorError, RateLimited, Refused, Unavailable
from connectors.model import Mention
from connectors.secret import Secret
from connectors.weibo_dm import WeiboDmConfig
from tests.fake_weibo_dm import (
    FAN,
    QUOTA_CODE,
    TOKEN,
    WINDOW_CODE,
    ReplyApi,
    json_push,
    xml_push,
)
from tests.fakes import FakeClock
from tests.weibo_dm_rig import Rig, options, rig

REPLY = "您好！退款已处理，请查收😀𠮷"


async def _wrote(r: Rig, text: str = "在吗？") -> Mention:
    """The fan writes (pushed through our endpoint); the fake API sees it too."""
    await r.pusher.push(json_push("text", text, r.clock.now()))
    r.api.inbound(FAN, r.clock.now())
    return r.inbox.mentions[-1]


async def test_reply_request_is_byte_exact(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock) as r:
        mention = await _wrote(r)
        receipt = await r.connector.send_reply(mention, REPLY)
        [got] = r.api.received
        assert got.path == "/2/messages/reply.json" and got.query == {}  # token not in the URL
        assert got.content_type == "application/x-www-form-urlencoded"
        data = '{"text":"' + REPLY + '"}'  # raw UTF-8 JSON, form-encoded exactly once
        fields = {"access_token": TOKEN, "receiver_id": FAN, "type": "text", "data": data}
        assert got.body == urlencode(fields).encode()
        assert got.form["data"] == data and "\\u" not in got.form["data"]
        assert receipt.reply_id.startswith(f"dm-{FAN}-") and receipt.sent_at == clock.now()


async def test_receipt_carries_the_platform_id_when_given(redis: Redis, clock: FakeClock) -> None:
    api = ReplyApi(now=clock.now, give_id=True)
    async with rig(redis, clock, api=api) as r:
        receipt = await r.connector.send_reply(await _wrote(r), "好的")
        assert receipt.reply_id == "4100000000000001"


async def test_the_biz_host_path(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock, reply_path="/2/messages/reply/biz.json") as r:
        await r.connector.send_reply(await _wrote(r), "好的")
        assert [g.path for g in r.api.received] == ["/2/messages/reply/biz.json"]


async def test_window_is_refused_before_calling(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock) as r:
        mention = await _wrote(r)
        clock.advance(48 * 3600 + 1)
        with pytest.raises(Refused) as caught:
            await r.connector.send_reply(mention, REPLY)
        assert caught.value.code == "window" and r.api.received == []


async def test_quota_is_shared_and_starts_over_when_the_fan_writes(
    redis: Redis, clock: FakeClock
) -> None:
    async with rig(redis, clock) as r, rig(redis, clock, api=r.api) as other:
        mention = await _wrote(r)
        # Two processes (own connectors, same Redis) send at once: one reply goes out.
        results = await asyncio.gather(
            r.connector.send_reply(mention, "一"),
            other.connector.send_reply(mention, "二"),
            return_exceptions=True,
        )
        refused = [e for e in results if isinstance(e, Refused)]
        assert len(refused) == 1 and refused[0].code == "quota"
        assert len(r.api.received) == 1
        await r.pusher.push(json_push("text", "在吗？", mention.created_at))  # a retry: no reset
        with pytest.raises(Refused):
            await r.connector.send_reply(mention, "三")
        clock.advance(60)
        newer = await _wrote(r, "还在吗？")
        await r.connector.send_reply(mention, "四")  # the older mention, inside its window
        with pytest.raises(Refused):
            await r.connector.send_reply(newer, "五")  # one reply per time the fan writes
        assert [g.form["data"] for g in r.api.received][-1] == '{"text":"四"}'
        assert await redis.keys("{t}:shared:dm:sent:*")


async def test_quota_of_three(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock, quota=3) as r:
        mention = await _wrote(r)
        for text in ("一", "二", "三"):
            await r.connector.send_reply(mention, text)
        with pytest.raises(Refused):
            await r.connector.send_reply(mention, "四")
        assert len(r.api.received) == 3


async def test_unfollow_is_refused_until_the_fan_is_back(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock) as r:
        mention = await _wrote(r)
        await r.pusher.push(
            json_push("event", "取消关注事件消息", clock.now(), {"subtype": "unfollow"})
        )
        with pytest.raises(Refused) as caught:
            await r.connector.send_reply(mention, REPLY)
        assert caught.value.code == "unfollowed" and r.api.received == []
        before = mention.created_at - timedelta(seconds=1)
        await r.pusher.push(json_push("text", "早先的", before))  # a late resend: still gone
        with pytest.raises(Refused):
            await r.connector.send_reply(mention, REPLY)
        await r.pusher.push(json_push("event", "关注事件消息", clock.now(), {"subtype": "follow"}))
        await r.connector.send_reply(mention, REPLY)
        assert len(r.api.received) == 1


async def test_xml_unsubscribe_is_an_unfollow(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock, format="xml") as r:
        await r.pusher.push(xml_push("text", "在吗？", clock.now()))
        event = "<Event><![CDATA[unsubscribe]]></Event>"
        await r.pusher.push(xml_push("event", "", clock.now(), event))
        with pytest.raises(Refused) as caught:
            await r.connector.send_reply(r.inbox.mentions[0], REPLY)
        assert caught.value.code == "unfollowed" and r.api.received == []


async def test_json_unsubscribe_is_only_a_keyword(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock) as r:
        mention = await _wrote(r)
        await r.pusher.push(json_push("event", "dy", clock.now(), {"subtype": "unsubscribe"}))
        await r.connector.send_reply(mention, REPLY)
        assert len(r.api.received) == 1


@pytest.mark.parametrize("text", ["", "  ", "好" * 300])
async def test_bad_length_is_refused_before_calling(
    redis: Redis, clock: FakeClock, text: str
) -> None:
    async with rig(redis, clock) as r:
        with pytest.raises(Refused):
            await r.connector.send_reply(await _wrote(r), text)
        assert r.api.received == []


@pytest.mark.parametrize(
    ("status", "answer", "error", "code"),
    [
        (401, {"error": "invalid_access_token", "error_code": 21332}, AuthFailed, None),
        (400, {"error": "expired_token", "error_code": "21327"}, AuthFailed, None),
        (403, {"error": "Insufficient app permissions", "error_code": 10014}, AuthFailed, None),
        (
            403,
            {"error": "User requests out of rate limit!", "error_code": 10023},
            RateLimited,
            None,
        ),
        (400, {"error": "Out of limit", "error_code": 20016}, RateLimited, None),
        (403, {"error": "reply window expired", "error_code": WINDOW_CODE}, Refused, "20901"),
        (403, {"error": "reply quota used up", "error_code": QUOTA_CODE}, Refused, "20902"),
        (400, {"error": "repeat content!", "error_code": 20019}, Refused, "20019"),
        (200, {"error": "System error", "error_code": 10001}, Unavailable, None),
        (200, {"result": False}, Refused, "result_false"),
    ],
)
async def test_errors_map_to_types(
    redis: Redis,
    clock: FakeClock,
    status: int,
    answer: Any,
    error: type[ConnectorError],
    code: str | None,
) -> None:
    async with rig(redis, clock) as r:
        mention = await _wrote(r)
        r.api.failures.append((status, answer))
        with pytest.raises(error) as caught:
            await r.connector.send_reply(mention, REPLY)
        if code is not None:
            assert isinstance(caught.value, Refused) and caught.value.code == code
        assert TOKEN not in str(caught.value)
        if isinstance(caught.value, RateLimited):
            assert caught.value.retry_after in (600.0, 3600.0)  # T0 is on the hour
        await r.connector.send_reply(mention, REPLY)  # nothing went out: the slot is back
        assert len(r.api.received) == 2


@pytest.mark.parametrize("how", ["timeout", "html-502"])
async def test_no_answer_is_unavailable_and_keeps_the_slot(
    redis: Redis, clock: FakeClock, how: str
) -> None:
    async with rig(redis, clock) as r:
        mention = await _wrote(r)
        if how == "timeout":
            r.api.delay = 1.0  # longer than the client's 0.5 s
        else:
            r.api.failures.append((502, "<html>502 Bad Gateway</html>"))
        with pytest.raises(Unavailable):
            await r.connector.send_reply(mention, REPLY)
        r.api.delay = 0.0
        with pytest.raises(Refused):  # it may have been sent: don't risk a second one
            await r.connector.send_reply(mention, REPLY)
        assert len(r.api.received) == 1


async def test_the_fake_enforces_the_platform_window(redis: Redis, clock: FakeClock) -> None:
    """Configured looser than the platform (72 h, the 2013 docs): Weibo's refusal arrives
    as Refused with its code."""
    async with rig(redis, clock, reply_window=timedelta(hours=72)) as r:
        mention = await _wrote(r)
        clock.advance(50 * 3600)
        with pytest.raises(Refused) as caught:
            await r.connector.send_reply(mention, REPLY)
        assert caught.value.code == str(WINDOW_CODE) and len(r.api.received) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"path": "/weibo"}, 'path must start with "/hooks/"'),
        ({"path": "/hooks/a?b"}, "path must be a plain URL path"),
        ({"uid": "lanxing"}, "uid must be the brand account's numeric uid"),
        ({"api_base": "m.api.weibo.com"}, "api_base must be an http(s) URL"),
        ({"ack_timeout": timedelta(seconds=5)}, "ack_timeout must be under 5s"),
    ],
)
def test_config_errors_are_clear(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        options(**{"api_base": "https://m.api.weibo.com", **change})


def test_config_defaults_are_the_conservative_ones() -> None:
    config = options("https://m.api.weibo.com")
    assert (config.reply_window, config.quota, config.format) == (timedelta(hours=48), 1, "json")
    assert config.reply_url == "https://m.api.weibo.com/2/messages/reply.json"
    assert WeiboDmConfig.__dataclass_fields__["api_base"].default == "https://m.api.weibo.com"
    assert TOKEN not in repr(config) and repr(Secret(TOKEN)) in repr(config)
