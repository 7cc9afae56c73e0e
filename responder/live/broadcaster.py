"""The broadcaster: one blocking read of the global event stream per process, each entry
turned once into the message every open page gets, handed to each page's bounded queue."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import orjson
from aiohttp import web

from responder.clock import Clock, from_epoch
from responder.store.records import stream_event
from responder.store.store import Store
from responder.store.views import to_api

log = logging.getLogger(__name__)

READ_COUNT = 500  # stream entries per read; one Store.mentions call fetches all their items
STREAM_ID = re.compile(r"^(\d+)-(\d+)$")


@dataclass(frozen=True)
class Message:
    """One SSE message, encoded once and shared by every page."""

    id: str  # the Redis stream id (a page resumes after it with Last-Event-ID)
    event: str  # "mention", or "reset": the page must reload the queue
    data: str  # JSON on one line

    @functools.cached_property
    def frame(self) -> bytes:
        """The message as sent: built once, written to every page as is."""
        return f"id: {self.id}\r\nevent: {self.event}\r\ndata: {self.data}\r\n\r\n".encode()


def parse_id(value: str) -> tuple[int, int] | None:
    """A stream id as a comparable pair, or None if `value` is not one."""
    match = STREAM_ID.match(value)
    return (int(match[1]), int(match[2])) if match else None


class Subscriber:
    """One open page: a bounded queue of messages; None in it means "end the stream"."""

    def __init__(self, size: int, on_drop: Callable[[], None]) -> None:
        self.on_drop = on_drop  # cuts the connection: its writes may be stuck on a full socket
        self.queue: asyncio.Queue[Message | None] = asyncio.Queue(size + 1)  # +1: the end
        self.size = size
        self.dropped = False  # it could not keep up and was cut off

    def offer(self, message: Message) -> bool:
        if self.queue.qsize() >= self.size:
            return False
        self.queue.put_nowait(message)
        return True

    def end(self) -> None:
        """Make the page's stream end at its next read, whatever it has not sent yet."""
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


class Broadcaster:
    """Read Keys.events from where it last was and fan each entry out to every page.

    Supervised as a loop (`step`): a Redis error ends the step, the supervisor restarts it
    and the next read resumes after the last id seen, so nothing is lost across a restart
    of Redis. A page that lets its queue fill is dropped, never waited for.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        queue_size: int = 1000,
        block_ms: int = 250,
        ping_interval: float = 15.0,
        replay_limit: int = 1000,
        gather_s: float = 0.02,
    ) -> None:
        self.store, self.clock = store, clock
        self.queue_size = queue_size
        self.block_ms = block_ms  # short, so a stop finds the loop between reads
        self.ping_interval = ping_interval
        self.replay_limit = replay_limit  # a page that missed more reloads the queue
        # After a publish, wait this long before reading again, so the events that come
        # meanwhile go to every page in one write: with 20 agents approving, one write
        # per event per page was a tenth of the server's time. The first event after a
        # quiet spell still goes at once (the read blocks until it comes).
        self.gather_s = gather_s
        self.last_id: str | None = None  # None until the first read pins down "$"
        self.subscribers: set[Subscriber] = set()
        self.closed = False

    def subscribe(self, on_drop: Callable[[], None] = lambda: None) -> Subscriber:
        subscriber = Subscriber(self.queue_size, on_drop)
        if self.closed:
            subscriber.end()
        else:
            self.subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def close(self) -> None:
        """End every page's stream (at shutdown) and refuse new ones."""
        self.closed = True
        for subscriber in self.subscribers:
            subscriber.end()
        self.subscribers.clear()

    async def step(self) -> float:
        """Wait up to block_ms for new entries and publish them."""
        if self.last_id is None:
            self.last_id = await self.tail()
        key = self.store.keys.events
        reply: Any = await self.store.redis.xread(
            {key: self.last_id}, count=READ_COUNT, block=self.block_ms
        )
        if not reply:
            return 0.0
        entries = cast(list[tuple[str, dict[str, str]]], reply[0][1])
        messages = await self.messages(entries)
        self.last_id = entries[-1][0]
        self.publish(messages)
        if self.gather_s and len(entries) < READ_COUNT:
            await asyncio.sleep(self.gather_s)  # latency, not a timer: not the clock's
        return 0.0

    def publish(self, messages: Sequence[Message]) -> None:
        for subscriber in list(self.subscribers):
            for message in messages:
                if not subscriber.offer(message):
                    log.warning(
                        "live: dropped a page that fell %d messages behind",
                        subscriber.size,
                        extra={"event": "live_client_dropped", "behind": subscriber.size},
                    )
                    subscriber.dropped = True
                    subscriber.end()
                    subscriber.on_drop()
                    self.subscribers.discard(subscriber)
                    break

    async def tail(self) -> str:
        """The id of the newest entry ("0-0" if none): where "$" is now."""
        newest = await self.store.redis.xrevrange(self.store.keys.events, count=1)
        return str(newest[0][0]) if newest else "0-0"

    async def missed(self, since: str) -> list[Message] | None:
        """What came after `since`, or None if the page must reload instead: the id is not
        one, is older than the capped stream keeps, or more than replay_limit came since."""
        after = parse_id(since)
        if after is None:
            return None
        redis, key = self.store.redis, self.store.keys.events
        oldest = await redis.xrange(key, count=1)
        if not oldest or after < cast(tuple[int, int], parse_id(str(oldest[0][0]))):
            return None
        found = await redis.xrange(key, min=f"({since}", count=self.replay_limit + 1)
        entries = cast(list[tuple[str, dict[str, str]]], found or [])
        if len(entries) > self.replay_limit:
            return None
        return await self.messages(entries)

    async def reset(self) -> Message:
        """The message that tells a page to reload (its id: where it resumes after that)."""
        since = self.last_id or await self.tail()
        return Message(since, "reset", '{"reason":"too_old"}')

    async def messages(self, entries: Sequence[tuple[str, dict[str, str]]]) -> list[Message]:
        """Each entry as its message, with the mention as it is now (one fetch for all)."""
        ids = list(dict.fromkeys(fields.get("mention", "") for _, fields in entries))
        rows = await self.store.mentions([mid for mid in ids if mid])
        now = self.clock.now()
        items = {row["id"]: to_api(row, now) for row in rows}
        return [_message(sid, fields, items) for sid, fields in entries]


def _message(sid: str, fields: dict[str, str], items: dict[str, dict[str, Any]]) -> Message:
    mid = fields.get("mention", "")
    event = stream_event(fields)
    at = event.get("at")
    body = {
        "type": fields.get("type") or event.get("type"),
        "id": mid,
        "at": from_epoch(float(at)).isoformat() if at is not None else None,
        "actor": event.get("actor"),
        "item": items.get(mid),
    }
    return Message(sid, "mention", orjson.dumps(body).decode())


LIVE = web.AppKey("live", Broadcaster)
