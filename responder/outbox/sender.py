"""The sender: posts each approved reply through its connector, at most once per approval.

An approval puts (mention, send key) in the outbox stream. Before calling the platform
the sender marks the mention "sending" under that key; after, it records sent, manual,
failed or a retry, and only then acknowledges the entry. A process killed mid-call
leaves the entry pending and the mention "sending": whoever picks it up next marks the
outcome unknown (`send_unknown`) and reads back from the platform (`find_reply`) where it
can: a reply found is recorded as sent, one not there is posted, and a look-up that fails
is tried again later (a failed look-up never means "not sent"). Without a read-back the
mention goes back to the queue marked 可能已发出, and only a person's confirmed resend
posts it again; that resend, too, looks for the first reply before posting.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

from connectors.base import ReplyReceipt
from connectors.errors import (
    AuthFailed,
    BadPayload,
    ConnectorError,
    PostByHand,
    RateLimited,
    Refused,
    TimedOut,
    Unavailable,
)
from connectors.model import Mention
from responder.backoff import BackoffPolicy
from responder.clock import Clock
from responder.drafts.priority import sort_key
from responder.metrics import Metrics
from responder.outbox.store import OutboxStore, Send
from responder.store.availability import UNREACHABLE
from responder.store.durable import Durable
from responder.store.records import EventType, event, to_mention

log = logging.getLogger(__name__)
RETRY = BackoffPolicy(initial=5.0, factor=2.0, maximum=300.0, jitter=0.2)
UNSURE = "发送中途中断，无法确认是否已发出：请先到平台上查看，再决定是否重新发送"
UNMARKED = "Redis 备份没有及时确认发送标记，这次没有发出，稍后再试"
HOLD_BACK = RETRY.initial  # seconds before a reply held back for want of replicas is tried again
NO_ANSWER = "平台超时没有答复，无法确认是否已发出：请先到平台上查看，再决定是否重新发送"


class Replier(Protocol):
    async def send_reply(self, mention: Mention, text: str) -> ReplyReceipt: ...


Lookup = Callable[[str], Replier | None]  # connector by name (the mention's `source`)
FindReply = Callable[[Mention, str], Awaitable[ReplyReceipt | None]]


class Sender:
    """One consumer of the outbox stream; several processes may each run one."""

    def __init__(
        self,
        outbox: OutboxStore,
        connectors: Lookup,
        clock: Clock,
        *,
        consumer: str,
        max_attempts: int = 8,
        reclaim_after_ms: int = 300_000,
        batch: int = 20,
        rng: random.Random | None = None,
        metrics: Metrics | None = None,
        durable: Durable | None = None,
    ) -> None:
        self.outbox, self.connectors, self.clock = outbox, connectors, clock
        self.consumer, self.max_attempts, self.batch = consumer, max_attempts, batch
        self.reclaim_after_ms = reclaim_after_ms
        self.rng = rng or random.Random()
        self._own_done = False
        self.metrics = metrics or Metrics()
        self.durable = durable  # the in-flight mark must outlive a failover before a post

    async def step(self, block_ms: int | None = None) -> float:
        """Handle what is due; return how long to wait before the next step."""
        now = self.clock.now()
        await self.outbox.due(now)
        if not self._own_done:  # after a restart: what this consumer read and never finished
            sends = await self.outbox.read(self.consumer, self.batch, None, own=True)
            self._own_done = len(sends) < self.batch
        else:
            sends = await self.outbox.reclaim(self.consumer, self.reclaim_after_ms, self.batch)
            sends += await self.outbox.read(self.consumer, self.batch, block_ms, own=False)
        try:
            for send in sends:
                await self.handle(send)
        except BaseException:
            # Cut short (Redis went away after the platform took a reply, say): read our
            # own pending entries first next time, not after `reclaim_after`.
            self._own_done = False
            raise
        if sends or block_ms:
            return 0.0  # a blocking read already waited
        retry = await self.outbox.next_retry()
        left = 1.0 if retry is None else retry - self.clock.now().timestamp()
        return min(1.0, max(0.05, left))

    async def handle(self, send: Send) -> None:
        now = self.clock.now()
        stale = self.reclaim_after_ms / 1000
        what, _ = await self.outbox.begin(send, self.consumer, now, stale)
        if what == "busy":
            return  # another process is sending it; its entry stays pending until done
        if what == "go":
            await self._send(send, unsure=False)
        elif what == "unsure":
            await self._send(send, unsure=True)
        await self.outbox.ack(send)

    async def _send(self, send: Send, *, unsure: bool) -> None:
        row = await self.outbox.store.mention(send.mention)
        if row is None:
            return
        source, text = row.get("source", ""), row.get("reply_text", "")
        connector = self.connectors(source)
        if connector is None:
            await self._failed(send, row, f"connector {source!r} is not configured here", "")
            return
        mention = to_mention(row)
        find = finder(connector)
        looked: dict[str, Any] = {}
        if unsure or row.get("send_unknown") == "1":  # an earlier attempt may be out there
            confirmed = not unsure and bool(row.get("resend_by"))  # a person said: send again
            if find is None and not confirmed:
                await self._failed(send, row, UNSURE, "", unknown=True)
                return
            if find is not None:
                try:
                    found = await find(mention, text)
                except ConnectorError as exc:
                    log.warning("could not read back the reply to %s: %s", send.mention, exc)
                    if not confirmed:  # unknown is not "not sent": look again later
                        await self._retry(send, row, exc, unknown=True)
                        return
                    looked = {"lookup_error": str(exc)[:200]}
                else:
                    if found is not None:
                        await self._sent(send, found, read_back=True)
                        return
                    looked = {"looked": "not_found"}
        if not await self._marked(send, row):
            return
        try:
            receipt = await connector.send_reply(mention, text)
        except PostByHand as exc:
            now = self.clock.now().timestamp()
            await self._end(
                send, "manual", EventType.MANUAL, retry_at=now, send_url=exc.url, reason=str(exc)
            )
        except (Refused, AuthFailed) as exc:
            await self._failed(send, row, str(exc), getattr(exc, "code", ""))
        except TimedOut as exc:
            if find is None:  # no way to check: a person
                await self._failed(send, row, f"{NO_ANSWER}（{exc}）", "", unknown=True)
            else:  # the retry reads back first
                await self._retry(send, row, exc, unknown=True)
        except (Unavailable, RateLimited, BadPayload) as exc:
            await self._retry(send, row, exc)
        except ConnectorError as exc:
            await self._failed(send, row, str(exc), "")
        except Exception as exc:  # a bug: keep the reply, try again later
            log.exception("sending the reply to %s failed", send.mention)
            await self._retry(send, row, exc)
        else:
            await self._sent(send, receipt, **looked)

    async def _marked(self, send: Send, row: dict[str, str]) -> bool:
        """Whether Redis's replicas have the in-flight mark. A failover that dropped it
        after the post would let the reply go out twice; unconfirmed, the reply is not
        posted but tried again later (this attempt not counted: it never reached the
        platform), and the approval stays."""
        try:
            if self.durable is None or await self.durable.confirm("outbox"):
                return True
        except UNREACHABLE as exc:  # a blip: not confirmed either (a real outage fails below)
            log.warning("could not confirm the mark of the reply to %s: %s", send.mention, exc)
        now = self.clock.now()
        record = event(EventType.SEND_RETRY, now, self.consumer, key=send.key, error=UNMARKED)
        attempts = max(0, int(row.get("send_attempts") or 1) - 1)
        at = now.timestamp() + HOLD_BACK
        await self.outbox.end(send, "retry", record, retry_at=at, send_attempts=str(attempts))
        self.metrics.outbox("retry")
        log.info("reply to %s held back: Redis replicas did not confirm its mark", send.mention)
        return False

    async def _sent(self, send: Send, receipt: ReplyReceipt, **looked: Any) -> None:
        """Record the reply; `read_back`: found on the platform (an earlier attempt's)."""
        at = f"{receipt.sent_at.timestamp():.3f}"
        await self._end(
            send, "sent", EventType.SENT, reply_id=receipt.reply_id, sent_at=at, **looked
        )
        log.info("reply to %s sent as %s", send.mention, receipt.reply_id)

    async def _retry(
        self, send: Send, row: dict[str, str], exc: Exception, *, unknown: bool = False
    ) -> None:
        attempts = int(row.get("send_attempts") or 0)
        if attempts >= self.max_attempts:
            error = f"gave up after {attempts} attempts: {exc}"
            await self._failed(send, row, error, "", unknown=unknown)
            return
        wait = exc.retry_after if isinstance(exc, RateLimited) else self._delay(attempts)
        at = self.clock.now().timestamp() + wait
        await self._end(
            send,
            "retry",
            EventType.SEND_RETRY,
            retry_at=at,
            error=str(exc)[:500],
            **_unknown(unknown),
        )
        log.warning("reply to %s not sent (%s); trying again in %.0fs", send.mention, exc, wait)

    def _delay(self, attempts: int) -> float:
        base = RETRY.delay(max(0, attempts - 1))
        return base * (1 + self.rng.uniform(-RETRY.jitter, RETRY.jitter))

    async def _failed(
        self, send: Send, row: dict[str, str], error: str, code: str, *, unknown: bool = False
    ) -> None:
        """Back to the queue; `unknown=True`: it may have gone out (可能已发出)."""
        deadline, base = float(row["deadline"]), float(row.get("priority") or 0)
        crisis = row.get("urgent") == "1"
        scores = (sort_key(0.0, deadline, crisis=crisis), sort_key(base, deadline, crisis=crisis))
        message = f"[{code}] {error}" if code else error
        await self._end(
            send,
            "failed",
            EventType.SEND_FAILED,
            scores=scores,
            send_error=message[:500],
            **_unknown(unknown),
        )
        log.warning("reply to %s failed, back in the queue: %s", send.mention, message)

    async def _end(
        self,
        send: Send,
        outcome: str,
        kind: EventType,
        *,
        retry_at: float = 0.0,
        scores: tuple[float, float] = (0.0, 0.0),
        **details: Any,
    ) -> None:
        now: datetime = self.clock.now()
        record = event(kind, now, self.consumer, key=send.key, **details)
        fields = {k: str(v) for k, v in details.items() if k in _STORED}
        await self.outbox.end(send, outcome, record, retry_at=retry_at, scores=scores, **fields)
        self.metrics.outbox(outcome)


# What an outcome's details also leave on the mention itself.
_STORED = ("reply_id", "sent_at", "send_url", "send_error", "send_unknown")


def _unknown(unknown: bool) -> dict[str, Any]:
    """What marks a send whose outcome is unknown (kept until a reply is confirmed)."""
    return {"send_unknown": "1"} if unknown else {}


def finder(connector: object) -> FindReply | None:
    """The connector's read-back of its own replies (`find_reply`), if it has one; a
    connector whose read-back depends on its config says so in `can_find_reply`."""
    if not getattr(connector, "can_find_reply", True):
        return None
    found: FindReply | None = getattr(connector, "find_reply", None)
    return found
