"""Generated drafts ([drafts.llm]) as bounded background work of the pipeline process: the
pipeline offers each newly queued mention without waiting (a full queue skips it and
counts it), a few workers ask the model endpoint, guard what it wrote and store what
passes beside the template drafts, which stay whatever happens here."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from connectors.model import Mention
from responder.clock import Clock
from responder.drafts.llm.brief import Brief, Kit, brief
from responder.drafts.llm.client import ChatClient, Completion, HttpStatus, LlmError
from responder.drafts.llm.config import LlmConfig
from responder.drafts.llm.guard import judge
from responder.drafts.llm.prompt import messages
from responder.drafts.understand import Said, Understanding
from responder.store.drafts_llm import LlmStore
from responder.store.store import Store

log = logging.getLogger(__name__)
PAUSE_429 = 60.0  # seconds without requests after a 429 that does not say how long
# A refused key (401, 403) will not work by itself: ask again this much later, once.
PAUSE_AUTH = 600.0
COUNT_EVERY = 5.0  # seconds an idle worker waits before counting skips offer() saw


@dataclass(frozen=True, slots=True, kw_only=True)
class Wanted:
    """A mention just queued, with what its drafts were made from."""

    id: str
    mention: Mention
    understanding: Understanding
    templates: tuple[str, ...]  # the template drafts stored with it
    thread: tuple[Said, ...] = ()


class Generator:
    """A small queue of mentions and the workers (`step`, supervised) that serve it."""

    def __init__(
        self,
        config: LlmConfig,
        kit: Kit,
        store: Store,
        clock: Clock,
        client: ChatClient | None = None,
    ) -> None:
        self.config, self.kit, self.clock = config, kit, clock
        self.client = client or ChatClient(config)
        self.store = LlmStore(store)
        self.source = f"llm/{config.model}"
        self.queue: asyncio.Queue[Wanted] = asyncio.Queue(config.queue)
        self._uncounted: Counter[str] = Counter()  # skips seen by offer(), counted at a step
        self._paused_until = 0.0  # monotonic: after a 429, no requests until then
        self._failing = ""  # the reason of the failure streak now, "" while it works

    def offer(self, items: Sequence[Wanted]) -> None:
        """Queue mentions for generation; never waits (a full queue skips them)."""
        now = self.clock.now()
        for item in items:
            known = item.understanding
            until = item.mention.reply_until
            if known.spam or not known.reply_needed or (until is not None and until <= now):
                continue
            if known.crisis.flag:  # a crisis gets the approved templates only
                self._uncounted["skipped:crisis"] += 1
                continue
            try:
                self.queue.put_nowait(item)
            except asyncio.QueueFull:
                self._uncounted["skipped:queue_full"] += 1

    async def step(self) -> float:
        """Serve one queued mention (a worker's loop step)."""
        await self._count_skips()
        try:  # a bound on the wait, so skips seen while idle are counted soon
            item = await asyncio.wait_for(self.queue.get(), COUNT_EVERY)
        except TimeoutError:
            return 0.0
        try:
            await self.handle(item)
        finally:
            self.queue.task_done()
        return 0.0

    async def stop(self) -> None:
        await self.client.stop()

    async def handle(self, item: Wanted) -> None:
        """Ask for drafts of one mention, guard them and store what passes."""
        if self.clock.monotonic() < self._paused_until or not await self.store.take_slot(
            self.clock.now(), self.config.max_per_minute
        ):
            await self.store.count({"skipped:rate": 1})
            return
        asked = brief(
            self.kit,
            mid=item.id,
            text=item.mention.text,
            platform=item.mention.platform,
            kind=item.mention.kind,
            author=item.mention.author,
            understanding=item.understanding,
            thread=item.thread,
            templates=item.templates,
        )
        # One more than kept: the guard may drop one.
        chat = messages(self.kit, asked, self.config.max_drafts + 1)
        started = self.clock.monotonic()
        try:
            answer = await self.client.complete(chat)
        except LlmError as exc:
            await self._failed(exc, started)
            return
        await self._answered(item, answer, asked, started)

    async def _answered(
        self, item: Wanted, answer: Completion, asked: Brief, started: float
    ) -> None:
        verdict = judge(self.kit, asked, answer.drafts, self.config.max_drafts)
        counts: Counter[str] = Counter(
            requests=1, tokens_in=answer.tokens_in, tokens_out=answer.tokens_out
        )
        for _, reason in verdict.dropped:
            counts[f"dropped:{reason.split(':')[0]}"] += 1
        if verdict.dropped:
            log.info(
                "generated drafts dropped by the guard: %s",
                ", ".join(reason for _, reason in verdict.dropped),
                extra={"event": "llm_dropped", "mention": item.id},
            )
        if not verdict.kept:
            counts["failed:guard"] += 1
        elif await self.store.save(item.id, verdict.kept, self.source, self.clock.now()):
            counts.update({"ok": 1, "stored": len(verdict.kept)})
        else:
            counts["ok"] += 1
            counts["skipped:closed"] += 1  # answered or gone while the model wrote
        await self.store.count(dict(counts), self._ms(started), "ok")
        self._recovered()

    async def _failed(self, exc: LlmError, started: float) -> None:
        state = "failing"
        if isinstance(exc, HttpStatus) and exc.status == 429:
            wait = exc.retry_after if exc.retry_after is not None else PAUSE_429
            self._paused_until = self.clock.monotonic() + wait
        elif isinstance(exc, HttpStatus) and exc.status in (401, 403):
            self._paused_until = self.clock.monotonic() + PAUSE_AUTH
            state = "auth_failed"
        counts = {"requests": 1, f"failed:{exc.reason}": 1}
        await self.store.count(counts, self._ms(started), state)
        if self._failing != exc.reason:  # once per change of reason, not per request
            self._failing = exc.reason
            log.warning(
                "model endpoint failed (%s): %s; template drafts only meanwhile",
                exc.reason,
                exc,
                extra={"event": "llm_failed", "reason": exc.reason},
            )

    def _recovered(self) -> None:
        if self._failing:
            log.info("model endpoint answers again", extra={"event": "llm_recovered"})
            self._failing = ""

    async def _count_skips(self) -> None:
        if self._uncounted:
            counts, self._uncounted = dict(self._uncounted), Counter()
            await self.store.count(counts)

    def _ms(self, started: float) -> float:
        return max(0.0, (self.clock.monotonic() - started) * 1000)
