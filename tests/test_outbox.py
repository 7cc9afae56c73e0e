"""The outbox: each approved reply posted once, confirmed, retried only when it may pass."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from connectors.base import ReplyReceipt
from connectors.errors import PostByHand, RateLimited, Refused, TimedOut, Unavailable
from connectors.model import Mention
from responder.outbox.sender import NO_ANSWER, UNSURE, Sender
from responder.outbox.store import OutboxStore, Send
from responder.pipeline.worker import Pipeline
from responder.store.keys import OUTBOX_GROUP, mention_id
from responder.store.records import EventType, State, event
from responder.store.store import Store
from tests.fakes import T0, FakeClock, ScriptedConnector, mention

MID = mention_id("weibo", "lanxing", "1")


async def _approved(store: Store, pipeline: Pipeline, clock: FakeClock, text: str = "来啦") -> None:
    await store.ingest("fake", [mention("1")], None, clock.now())
    await pipeline.run_once()
    closed = await store.close(MID, State.APPROVED, "amy", clock.now(), reply_text=text)
    assert closed.result.value == "ok"


async def _sender(
    store: Store, clock: FakeClock, connector: Any, consumer: str = "p1"
) -> tuple[Sender, OutboxStore]:
    outbox = OutboxStore(store)
    await outbox.ensure_group()
    lookup = {"fake": connector}.get
    return Sender(outbox, lookup, clock, consumer=consumer, reclaim_after_ms=60_000), outbox


async def _state(store: Store) -> dict[str, str]:
    row = await store.mention(MID)
    assert row is not None
    return row


async def _events(store: Store) -> list[str]:
    return [e["type"] for e in await store.events_of(MID)]


@pytest.mark.layouts
async def test_an_approved_reply_is_posted_once_and_confirmed(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    connector = ScriptedConnector()
    sender, _ = await _sender(store, clock, connector)
    await _approved(store, pipeline, clock, "来啦😀𠮷")
    assert (await _state(store))["state"] == "approved"
    assert await store.queue_size() == 0  # the SLA stopped at approval
    await sender.step()  # after a start: its own unfinished entries (none)
    await sender.step()
    await sender.step()
    assert connector.posted == [("1", "来啦😀𠮷")]
    row = await _state(store)
    assert row["state"] == "sent" and row["reply_id"] == "r1"
    assert float(row["sent_at"]) == T0.timestamp() and row["closed_by"] == "amy"
    assert (await _events(store))[-3:] == ["approved", "sending", "sent"]
    assert await store.redis.xlen(store.keys.outbox) == 0


async def test_a_transient_failure_is_retried_later_and_a_refusal_is_not(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    connector = ScriptedConnector()
    connector.replies = [Unavailable("HTTP 502"), RateLimited("slow down", retry_after=600)]
    sender, _ = await _sender(store, clock, connector)
    await _approved(store, pipeline, clock)
    for _ in range(3):
        await sender.step()
    assert len(connector.posted) == 1 and (await _state(store))["state"] == "approved"
    await sender.step()
    assert len(connector.posted) == 1  # not due yet
    clock.advance(10)  # past the first backoff (5 s +/- 20%)
    await sender.step()
    await sender.step()
    assert len(connector.posted) == 2  # rate limited now: waits what the platform said
    clock.advance(300)
    await sender.step()
    await sender.step()
    assert len(connector.posted) == 2
    clock.advance(301)
    await sender.step()
    await sender.step()
    assert len(connector.posted) == 3 and (await _state(store))["state"] == "sent"
    assert (await _state(store))["send_attempts"] == "3"


async def test_a_refused_reply_goes_back_to_the_queue_flagged_and_can_be_approved_again(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    connector = ScriptedConnector()
    connector.replies = [Refused("评论内容违规", code="20016")]
    sender, _ = await _sender(store, clock, connector)
    await _approved(store, pipeline, clock)
    for _ in range(3):
        await sender.step()
    row = await _state(store)
    assert row["state"] == "failed" and row["send_error"] == "[20016] 评论内容违规"
    assert await store.queue_size() == 1  # back in the queue
    clock.advance(3600)
    await sender.step()
    assert len(connector.posted) == 1  # never retried by itself
    again = await store.close(MID, State.APPROVED, "bo", clock.now(), reply_text="换个说法")
    assert again.result.value == "ok" and await store.queue_size() == 0
    await sender.step()
    await sender.step()
    assert connector.posted[-1] == ("1", "换个说法")
    row = await _state(store)
    assert row["state"] == "sent" and row["send_key"] == f"{MID}:2" and "send_error" not in row


async def test_a_platform_that_takes_replies_by_hand_waits_for_the_agent(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    connector = ScriptedConnector()
    connector.replies = [PostByHand("请手动发帖", url="https://tieba.baidu.com/p/1?pid=2")]
    sender, outbox = await _sender(store, clock, connector)
    await _approved(store, pipeline, clock)
    for _ in range(3):
        await sender.step()
    row = await _state(store)
    assert row["state"] == "manual" and row["send_url"] == "https://tieba.baidu.com/p/1?pid=2"
    assert await outbox.mark_sent(MID, "amy", clock.now()) == (1, "sent")
    assert await outbox.mark_sent(MID, "amy", clock.now()) == (0, "sent")
    assert (await _state(store))["sent_by"] == "amy"


async def test_gives_up_after_the_last_attempt(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    connector = ScriptedConnector()
    connector.replies = [Unavailable("down")] * 10
    sender, _ = await _sender(store, clock, connector)
    sender.max_attempts = 3
    await _approved(store, pipeline, clock)
    for _ in range(10):
        await sender.step()
        clock.advance(400)
    assert len(connector.posted) == 3
    row = await _state(store)
    assert row["state"] == "failed" and row["send_error"].startswith("gave up after 3 attempts")


class ReadBack(ScriptedConnector):
    """A connector that can read back what it posted (Weibo's comments/by_me)."""

    def __init__(self, found: ReplyReceipt | None) -> None:
        super().__init__()
        self.found = found
        self.looked: list[str] = []

    async def find_reply(self, mention: Mention, text: str) -> ReplyReceipt | None:
        self.looked.append(text)
        return self.found


async def _killed_mid_send(store: Store, pipeline: Pipeline, clock: FakeClock) -> None:
    """Approve, then have process p1 take the entry and mark it sending, and "die"."""
    await _approved(store, pipeline, clock)
    outbox = OutboxStore(store)
    await outbox.ensure_group()
    (send,) = await outbox.read("p1", 10, None, own=False)
    assert await outbox.begin(send, "p1", clock.now(), 60) == ("go", "")


async def test_after_a_crash_mid_send_a_reply_found_on_the_platform_is_not_sent_again(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _killed_mid_send(store, pipeline, clock)
    connector = ReadBack(ReplyReceipt(reply_id="c9", sent_at=T0))
    sender, _ = await _sender(store, clock, connector)  # p1 restarted
    await sender.step()
    assert connector.looked == ["来啦"] and connector.posted == []
    assert (await _state(store))["reply_id"] == "c9"


async def test_after_a_crash_mid_send_a_reply_not_found_is_sent(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _killed_mid_send(store, pipeline, clock)
    connector = ReadBack(None)
    sender, _ = await _sender(store, clock, connector)
    await sender.step()
    assert connector.posted == [("1", "来啦")] and (await _state(store))["state"] == "sent"


async def test_after_a_crash_mid_send_without_read_back_a_person_decides(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _killed_mid_send(store, pipeline, clock)
    connector = ScriptedConnector()
    # Another process takes over once the entry has been idle long enough.
    sender, _ = await _sender(store, clock, connector, consumer="p2")
    sender.reclaim_after_ms = 0
    clock.advance(120)  # p1's send counts as abandoned after 60 s
    await sender.step()
    await sender.step()
    assert connector.posted == []
    row = await _state(store)
    assert row["state"] == "failed" and row["send_error"] == UNSURE


async def test_another_process_leaves_a_send_in_flight_alone(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _killed_mid_send(store, pipeline, clock)
    outbox = OutboxStore(store)
    send = Send(entry_id="0-1", mention=MID, key=f"{MID}:1")
    assert await outbox.begin(send, "p2", clock.now() + timedelta(seconds=5), 60) == ("busy", "")


@pytest.mark.layouts
async def test_two_processes_post_one_approval_once(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    connector = ScriptedConnector()
    first, _ = await _sender(store, clock, connector, consumer="p1")
    second, _ = await _sender(store, clock, connector, consumer="p2")
    for sender in (first, second):
        sender.reclaim_after_ms = 0  # each takes over whatever the other holds
        await sender.step()
    await _approved(store, pipeline, clock)
    for _ in range(3):
        await asyncio.gather(first.step(), second.step())
    assert connector.posted == [("1", "来啦")]


async def test_a_stale_entry_for_an_earlier_approval_sends_nothing(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    connector = ScriptedConnector()
    sender, outbox = await _sender(store, clock, connector)
    await _approved(store, pipeline, clock)
    await outbox.redis.xadd(store.keys.outbox, {"mention": MID, "key": f"{MID}:0"})
    for _ in range(3):
        await sender.step()
    assert connector.posted == [("1", "来啦")]


async def test_a_timeout_is_retried_only_where_the_platform_can_be_read_back(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    blind = ScriptedConnector()  # WeChat: no read-back, so a retry could post twice
    blind.replies = [TimedOut("POST /cgi-bin/message/custom/send: timed out")]
    sender, _ = await _sender(store, clock, blind)
    await _approved(store, pipeline, clock)
    for _ in range(3):
        await sender.step()
        clock.advance(400)
    assert len(blind.posted) == 1
    row = await _state(store)
    assert row["state"] == "failed" and row["send_error"].startswith(NO_ANSWER)


async def test_a_timeout_where_the_platform_can_be_read_back_is_tried_again(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    checked = ReadBack(None)  # Weibo: the retry meets 20019 and reads back
    checked.replies = [TimedOut("POST /2/comments/reply.json: timed out")]
    sender, _ = await _sender(store, clock, checked)
    await _approved(store, pipeline, clock)
    for _ in range(3):
        await sender.step()
        clock.advance(400)
    assert len(checked.posted) == 2 and (await _state(store))["state"] == "sent"


async def _taken_over(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> tuple[Send, OutboxStore]:
    """p1 went quiet mid-send; p2, unable to ask the platform, took the send over."""
    await _killed_mid_send(store, pipeline, clock)
    sender, outbox = await _sender(store, clock, ScriptedConnector(), consumer="p2")
    sender.reclaim_after_ms = 0
    clock.advance(120)
    await sender.step()
    await sender.step()
    return Send(entry_id="0-1", mention=MID, key=f"{MID}:1"), outbox


async def test_a_late_confirmation_of_a_send_taken_over_is_never_lost(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    first, outbox = await _taken_over(store, pipeline, clock)  # p1 only stalled
    assert (await _state(store))["send_unknown"] == "1"  # p2 could not ask: 可能已发出
    late = event(EventType.SENT, clock.now(), "p1", key=first.key, reply_id="r1")
    assert await outbox.end(first, "sent", late, reply_id="r1", sent_at="1.000")  # p1 wakes
    row = await _state(store)
    assert row["state"] == "sent" and row["reply_id"] == "r1" and "send_unknown" not in row
    assert await store.queue_size() == 0 and await store.redis.ttl(store.keys.mention(MID)) > 0
    (logged,) = [e for e in await store.events_of(MID) if e.get("reply_id") == "r1"]
    assert logged["type"] == "sent" and logged["late"] is True


async def test_a_late_confirmation_after_a_resend_keeps_the_first_reply_id(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    first, outbox = await _taken_over(store, pipeline, clock)
    again = await store.close(
        MID, State.APPROVED, "bo", clock.now(), details={"resend": True}, reply_text="来啦"
    )
    assert again.result.value == "ok"
    late = event(EventType.SENT, clock.now(), "p1", key=first.key, reply_id="r1")
    assert not await outbox.end(first, "sent", late, reply_id="r1", sent_at="1.000")
    assert (await _state(store))["state"] == "approved"  # the resend goes on (it looks first)
    (logged,) = [e for e in await store.events_of(MID) if e.get("reply_id") == "r1"]
    assert logged["late"] is True and logged["key"] == f"{MID}:1"


class _RedisGoesAway(OutboxStore):
    """The real outbox store whose next write after the platform call meets a Redis that
    is away (timing a real outage between the post and its record is not possible here)."""

    fail_next_end = False

    async def end(self, *args: Any, **kwargs: Any) -> bool:
        if self.fail_next_end:
            self.fail_next_end = False
            raise RedisConnectionError("Connection closed by server.")
        return await super().end(*args, **kwargs)


async def test_a_send_cut_short_by_redis_is_resolved_at_the_next_step(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    connector = ScriptedConnector()
    outbox = _RedisGoesAway(store)
    await outbox.ensure_group()
    sender = Sender(outbox, {"fake": connector}.get, clock, consumer="p1")
    await _approved(store, pipeline, clock)
    await sender.step()  # its own unfinished entries (none)
    outbox.fail_next_end = True
    with pytest.raises(RedisConnectionError):
        await sender.step()  # the platform took it; recording it met the outage
    assert connector.posted == [("1", "来啦")]
    assert (await _state(store))["state"] == "sending"
    await sender.step()  # Redis is back: no waiting `reclaim_after` (5 min) for our own entry
    row = await _state(store)
    assert row["state"] == "failed" and row["send_unknown"] == "1", row  # 可能已发出, for a person
    assert connector.posted == [("1", "来啦")]  # never posted again on its own
    pending = await store.redis.xpending(store.keys.outbox, OUTBOX_GROUP)
    assert pending["pending"] == 0  # settled and acknowledged
