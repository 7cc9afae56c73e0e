"""WeChat replies through the customer-service API: raw UTF-8 bodies, one shared token,
the 48-hour window and the per-message quota, against the fake api.weixin.qq.com."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from connectors.errors import AuthFailed, RateLimited, Refused, Unavailable
from tests.fake_wechat import APP_SECRET, event_xml, text_xml
from tests.fakes import T0, FakeClock
from tests.wechat_rig import rig

REPLY = "您好😀𠮷，已为您查询：订单明天送达！"


async def test_the_body_is_raw_utf8_json_byte_for_byte(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock) as r:
        mention = await r.user_writes("o-user-1", "到哪了？", msg_id=1, at=T0)
        receipt = await r.connector.send_reply(mention, REPLY)
        [sent] = r.api.sent
        expected = '{"touser":"o-user-1","msgtype":"text","text":{"content":"' + REPLY + '"}}'
        assert sent.raw == expected.encode("utf-8")
        assert b"\\u" not in sent.raw and "😀𠮷".encode() in sent.raw
        assert sent.data == {"touser": "o-user-1", "msgtype": "text", "text": {"content": REPLY}}
        assert receipt.sent_at == T0 and receipt.reply_id.startswith("wechat-")
        again = await r.connector.send_reply(mention, REPLY)
        assert again.reply_id == receipt.reply_id  # stable: no msgid from WeChat


async def test_the_receipt_carries_the_msgid_when_wechat_gives_one(
    redis: Redis, clock: FakeClock
) -> None:
    async with rig(redis, clock) as r:
        r.api.msgids = True
        mention = await r.user_writes("o-user-1", "到哪了？", msg_id=1, at=T0)
        clock.advance(30)
        receipt = await r.connector.send_reply(mention, "明天到")
        assert receipt.reply_id == "3000000001" and receipt.sent_at == T0 + timedelta(seconds=30)


async def test_two_processes_share_one_token_and_refresh_it_once(
    redis: Redis, clock: FakeClock
) -> None:
    async with rig(redis, clock) as r:
        mention = await r.user_writes("o1", "在吗", msg_id=1, at=T0)
        first, second = r.connector, r.another()
        await asyncio.gather(first.send_reply(mention, "一"), second.send_reply(mention, "二"))
        assert r.api.token_fetches == 1
        assert {s.token for s in r.api.sent} == {r.api.current}
        r.api.rotate()  # someone else fetched: ours answers 40001 "not latest"
        await asyncio.gather(first.send_reply(mention, "三"), second.send_reply(mention, "四"))
        assert r.api.token_fetches == 3  # the rotation and one refresh, not one per process
        r.api.expired.add(r.api.current or "")  # 42001
        r.api.quota = 99
        await second.send_reply(mention, "五")
        assert r.api.token_fetches == 4
        assert sorted(s.data["text"]["content"] for s in r.api.sent) == sorted("一二三四五")
        assert len(r.api.sent) == 5 and len(r.api.attempts) == 8  # 3 refused, each retried


async def test_a_superseded_token_works_during_the_overlap(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock) as r:
        r.api.overlap = timedelta(minutes=5)
        mention = await r.user_writes("o1", "在吗", msg_id=1, at=T0)
        await r.connector.send_reply(mention, "一")
        r.api.rotate()  # another holder fetched (there should be none, but a tool might)
        clock.advance(299)
        await r.connector.send_reply(mention, "二")
        assert r.api.token_fetches == 2 and len(r.api.attempts) == 2
        clock.advance(2)
        await r.connector.send_reply(mention, "三")  # 40001 now: refreshed and retried
        assert r.api.token_fetches == 3 and len(r.api.attempts) == 4


async def test_a_token_refused_twice_is_an_auth_failure(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock) as r:
        mention = await r.user_writes("o1", "在吗", msg_id=1, at=T0)
        r.api.send_errors = [40001, 40001]
        with pytest.raises(AuthFailed, match="40001"):
            await r.connector.send_reply(mention, "hi")
        assert len(r.api.attempts) == 2


@pytest.mark.parametrize(
    ("code", "error", "words"),
    [
        (40013, AuthFailed, "invalid AppID"),
        (40125, AuthFailed, "AppSecret"),
        (40164, AuthFailed, "IP whitelist"),
        (-1, Unavailable, "busy"),
    ],
)
async def test_token_errors(
    redis: Redis, clock: FakeClock, code: int, error: type[Exception], words: str
) -> None:
    async with rig(redis, clock) as r:
        mention = await r.user_writes("o1", "在吗", msg_id=1, at=T0)
        r.api.token_errors = [code]
        with pytest.raises(error, match=words) as caught:
            await r.connector.send_reply(mention, "hi")
        assert APP_SECRET not in str(caught.value) and r.api.attempts == []


async def test_a_wrong_secret_is_reported_without_showing_it(
    redis: Redis, clock: FakeClock
) -> None:
    async with rig(redis, clock) as r:
        mention = await r.user_writes("o1", "在吗", msg_id=1, at=T0)
        r.api.secret = "the-rotated-secret"
        with pytest.raises(AuthFailed, match="40125") as caught:
            await r.connector.send_reply(mention, "hi")
        assert APP_SECRET not in str(caught.value)
        assert APP_SECRET not in repr(caught.value.__cause__ or "")


@pytest.mark.parametrize(
    ("code", "error", "words"),
    [
        (45015, Refused, "48小时"),
        (45047, Refused, "条数已用完"),
        (43004, Refused, "未关注"),
        (-1, Unavailable, "busy"),
        (45009, RateLimited, "45009"),
        (48001, AuthFailed, "permission"),
        (40999, Refused, "40999"),
    ],
)
async def test_send_errors_map_to_typed_errors(
    redis: Redis, clock: FakeClock, code: int, error: type[Exception], words: str
) -> None:
    async with rig(redis, clock) as r:
        mention = await r.user_writes("o1", "在吗", msg_id=1, at=T0)
        r.api.send_errors = [code]
        with pytest.raises(error, match=words) as caught:
            await r.connector.send_reply(mention, "hi")
        if isinstance(caught.value, Refused):
            assert caught.value.code == str(code)
        assert r.api.sent == []


async def test_a_5xx_page_or_a_timeout_is_unavailable(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock, http_total=0.3) as r:
        mention = await r.user_writes("o1", "在吗", msg_id=1, at=T0)
        r.api.send_statuses = [502]
        with pytest.raises(Unavailable, match="HTTP 502"):
            await r.connector.send_reply(mention, "hi")
        r.api.delay = 2.0  # longer than the client's 0.3 s
        with pytest.raises(Unavailable, match="timed out"):
            await r.connector.send_reply(mention, "hi")


async def test_the_platform_window_refusal_45015(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock) as r:
        mention = await r.user_writes("o1", "在吗", msg_id=1, at=T0)
        r.api.users["o1"] = T0 - timedelta(hours=49)  # WeChat knows better than we do
        with pytest.raises(Refused, match="48小时") as caught:
            await r.connector.send_reply(mention, "hi")
        assert caught.value.code == "45015" and "45015" in str(caught.value)
        with pytest.raises(Refused, match="WeChat said so") as caught:
            await r.another().send_reply(mention, "hi again")
        assert caught.value.code == "45015" and len(r.api.attempts) == 1  # not asked again


async def test_after_the_window_nothing_is_sent_unless_the_user_wrote_again(
    redis: Redis, clock: FakeClock
) -> None:
    async with rig(redis, clock) as r:
        old = await r.user_writes("o1", "在吗", msg_id=1, at=T0)
        clock.advance(48 * 3600 + 1)
        with pytest.raises(Refused, match="window closed") as caught:
            await r.connector.send_reply(old, "hi")
        assert caught.value.code == "45015" and r.api.attempts == []
        await r.user_writes("o1", "还在吗", msg_id=2, at=clock.now())
        await r.connector.send_reply(old, "在的")  # the new message reopened the window
        assert [s.data["text"]["content"] for s in r.api.sent] == ["在的"]


async def test_the_quota_is_counted_across_processes_and_reset_by_a_new_message(
    redis: Redis, clock: FakeClock
) -> None:
    async with rig(redis, clock, aes=True) as r:
        mention = await r.user_writes("o1", "在吗", msg_id=1, at=T0, mode="safe")
        for i in range(5):
            sender = r.connector if i % 2 else r.another()
            await sender.send_reply(mention, f"第{i + 1}条")
        with pytest.raises(Refused, match="5 of 5") as caught:
            await r.connector.send_reply(mention, "第6条")
        assert caught.value.code == "45047" and len(r.api.attempts) == 5  # never asked
        clock.advance(600)
        await r.user_writes("o1", "谢谢", msg_id=2, at=clock.now(), mode="safe")
        await r.another().send_reply(mention, "不客气")
        assert len(r.api.sent) == 6


async def test_a_platform_45047_stops_further_calls(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock) as r:
        mention = await r.user_writes("o1", "在吗", msg_id=1, at=T0)
        r.api.quota = 2  # WeChat allows fewer than we thought (its rule changed)
        for text in ("一", "二"):
            await r.connector.send_reply(mention, text)
        for _ in range(2):
            with pytest.raises(Refused) as caught:
                await r.connector.send_reply(mention, "三")
            assert caught.value.code == "45047"
        assert len(r.api.attempts) == 3  # the second refusal came from us


async def test_an_unsubscribe_closes_the_window(redis: Redis, clock: FakeClock) -> None:
    async with rig(redis, clock) as r:
        mention = await r.user_writes("o1", "在吗", msg_id=1, at=T0)
        answer = await r.pusher.push(
            event_xml("o1", "unsubscribe", create_time=int(T0.timestamp()))
        )
        assert answer.body == "success"
        with pytest.raises(Refused, match="unsubscribed") as caught:
            await r.connector.send_reply(mention, "hi")
        assert caught.value.code == "45015" and r.api.attempts == []
        other = replace(mention, author=replace(mention.author, id="o2"))
        r.api.user_wrote("o2", T0)
        await r.connector.send_reply(other, "hi")  # only that user's window closed


async def test_a_late_retry_of_an_older_message_does_not_reset_the_quota(
    redis: Redis, clock: FakeClock
) -> None:
    async with rig(redis, clock) as r:
        await r.user_writes("o1", "第一条", msg_id=1, at=T0)
        clock.advance(60)
        mention = await r.user_writes("o1", "第二条", msg_id=2, at=clock.now())
        for i in range(5):
            await r.connector.send_reply(mention, f"回复{i}")
        late = text_xml("o1", "第一条", msg_id=1, create_time=int(T0.timestamp()))
        assert (await r.pusher.push(late)).body == "success"
        with pytest.raises(Refused) as caught:
            await r.connector.send_reply(mention, "第6条")
        assert caught.value.code == "45047" and len(r.api.attempts) == 5
