"""The pipeline worker: ingest stream → dedupe → score → queue → XACK."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from connectors.errors import BadPayload
from connectors.model import Mention
from responder.clock import Clock, from_epoch
from responder.config import SlaConfig
from responder.sla.timer import timing
from responder.store.keys import mention_id
from responder.store.store import Entry, Store
from sentiment import Label, Sentiment

log = logging.getLogger(__name__)
UNSCORED = Sentiment(score=0.5, label=Label.NEUTRAL, cues=("(not scored)",))


class Scorer(Protocol):
    async def score(self, texts: list[str]) -> list[Sentiment]:
        """Score texts off the event loop."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Item:
    entry_id: str
    mention: Mention
    source: str
    ingested_at: datetime


def consumer_name() -> str:
    """Name this worker uniquely within the consumer group."""
    return f"{socket.gethostname()}-{os.getpid()}"


class Pipeline:
    """One worker in the `pipeline` consumer group; several may share the stream."""

    def __init__(
        self,
        store: Store,
        scorer: Scorer,
        clock: Clock,
        sla: SlaConfig,
        *,
        consumer: str,
        batch_size: int = 100,
        reclaim_after_ms: int = 60_000,
    ) -> None:
        self.store = store
        self.scorer = scorer
        self.clock = clock
        self.sla = sla
        self.consumer = consumer
        self.batch_size = batch_size
        self.reclaim_after_ms = reclaim_after_ms
        self._stopping = False

    def stop(self) -> None:
        """Ask run_forever to return after the batch in hand."""
        self._stopping = True

    async def run_once(self, block_ms: int | None = None) -> int:
        """Handle one batch: entries a dead worker left pending first, then new ones."""
        entries = await self.store.reclaim(self.consumer, self.reclaim_after_ms, self.batch_size)
        if entries:
            log.warning("reclaimed %d entries left pending by another worker", len(entries))
        else:
            entries = await self.store.read_ingest(self.consumer, self.batch_size, block_ms)
        if entries:
            await self.handle(entries)
        return len(entries)

    async def handle(self, entries: list[Entry]) -> None:
        """Queue each entry's mention once, then acknowledge the whole batch."""
        items: list[_Item] = []
        for entry in entries:
            try:
                items.append(_parse(entry))
            except BadPayload as exc:
                log.error("ingest entry %s is unusable: %s", entry.entry_id, exc)
                await self.store.reject(
                    entry.fields.get("source", "?"),
                    str(exc),
                    exc.raw or str(entry.fields),
                    self.clock.now(),
                )
        known = await self.store.known([mention_id(*item.mention.identity) for item in items])
        fresh = [item for item, seen in zip(items, known, strict=True) if not seen]
        if len(fresh) < len(items):
            await self.store.count("duplicates", len(items) - len(fresh))
        sentiments = await self._score([item.mention.text for item in fresh]) if fresh else []
        now = self.clock.now()
        for item, sentiment in zip(fresh, sentiments, strict=True):
            mention = item.mention
            within, warn = self.sla.for_account(mention.platform, mention.account)
            timer = timing(
                mention.created_at, item.ingested_at, respond_within=within, warn_after=warn
            )
            await self.store.enqueue(
                mention, sentiment, timer, source=item.source, ingested_at=item.ingested_at, now=now
            )
        await self.store.ack([entry.entry_id for entry in entries])

    async def _score(self, texts: list[str]) -> list[Sentiment]:
        """Score a batch; if the model fails on it, score one by one and queue any text
        it cannot score as neutral, so a mention is never lost to the model."""
        try:
            return await self.scorer.score(texts)
        except Exception:
            log.exception("scoring a batch of %d failed; scoring one by one", len(texts))
        results: list[Sentiment] = []
        for text in texts:
            try:
                results += await self.scorer.score([text])
            except Exception as exc:
                log.error("cannot score %r, queueing it as neutral: %s", text[:80], exc)
                results.append(UNSCORED)
        return results

    async def run_forever(self, *, block_ms: int = 1000) -> None:
        """Work until stopped; an outage or a bug pauses the worker instead of ending it.

        Whatever a failed batch had read stays pending and is reclaimed, so nothing is lost.
        """
        failures = 0
        while not self._stopping:
            try:
                await self.run_once(block_ms=block_ms)
                if failures:
                    log.info("pipeline working again after %d failures", failures)
                failures = 0
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                # The stream or its group vanished (a Redis restarted without its data, a
                # FLUSHDB): recreate them, since pollers may be adding entries right now.
                log.warning("ingest stream group missing; creating it again")
                await self.store.ensure_group()
            except Exception as exc:
                failures += 1
                if failures == 1:  # once per outage, not once per retry
                    if isinstance(exc, RedisConnectionError | OSError):
                        log.error("pipeline cannot reach Redis, will retry: %s", exc)
                    else:
                        log.exception("pipeline batch failed, will retry")
                await self.clock.sleep(min(30.0, 0.5 * 2 ** min(failures, 6)))


def _parse(entry: Entry) -> _Item:
    fields = entry.fields
    if "mention" not in fields:
        raise BadPayload("entry has no mention field", raw=str(fields))
    try:
        ingested_at = from_epoch(float(fields.get("ingested_at", "")))
    except ValueError as exc:
        raise BadPayload(f"bad ingested_at: {exc}", raw=str(fields)) from exc
    return _Item(
        entry_id=entry.entry_id,
        mention=Mention.from_json(fields["mention"]),
        source=fields.get("source", "?"),
        ingested_at=ingested_at,
    )
