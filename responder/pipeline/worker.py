"""The pipeline worker: ingest stream → dedupe → score → queue → XACK, entry by entry."""

from __future__ import annotations

import hashlib
import logging
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from redis.exceptions import DataError, RedisError, ResponseError

from connectors.errors import BadPayload
from connectors.model import Mention
from responder.clock import Clock, from_epoch
from responder.config import IncidentsConfig, SlaConfig
from responder.drafts.suggest import Job, Suggestion, unsuggested
from responder.drafts.understand import Said
from responder.drafts.understand_model import Installed
from responder.incidents.join import join_incidents
from responder.incidents.store import IncidentStore
from responder.library.config import LibraryConfig
from responder.library.shelf import Ref
from responder.metrics import Metrics
from responder.pipeline.generate import Wanted
from responder.pipeline.inputs import Inputs
from responder.pipeline.jobs import describe
from responder.sla.timer import timing
from responder.store.deadletters import DeadLetter
from responder.store.enqueue import Code, Ready
from responder.store.keys import mention_id
from responder.store.store import Store
from responder.store.stream import Entry

log = logging.getLogger(__name__)
# Redis refusing work for a reason of its own, not of the data: never dead-letter on these.
_REDIS_STATES = (
    *("OOM", "READONLY", "LOADING", "MISCONF", "BUSY", "MASTERDOWN"),
    *("NOREPLICAS", "CLUSTERDOWN", "TRYAGAIN", "NOGROUP", "NOSCRIPT"),
)
_CLEANUP_EVERY = 600.0  # seconds between sweeps of the group's idle consumers


class Offer(Protocol):
    def offer(self, items: Sequence[Wanted]) -> None:
        """Take newly queued mentions for more drafts later; never wait."""


class Scorer(Protocol):
    async def suggest(
        self,
        jobs: list[Job],
        ranking: Mapping[str, float] | None = None,
        model: Installed | None = None,
        library: Ref | None = None,
    ) -> list[Suggestion]:
        """Score, understand and draft off the event loop."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Item:
    entry: Entry
    mention: Mention
    source: str
    ingested_at: datetime


def consumer_name(data_dir: Path) -> str:
    """Name this worker stably per host and data dir, so a restart finds its own entries.

    The data-dir lock keeps two processes from sharing a name.
    """
    place = hashlib.blake2b(str(data_dir.resolve()).encode(), digest_size=4).hexdigest()
    return f"{socket.gethostname()}-{place}"


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
        max_deliveries: int = 5,
        idle_consumer_ms: int = 3_600_000,
        incidents: IncidentsConfig | None = None,
        drafting: Offer | None = None,
        library: LibraryConfig | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.scorer = scorer
        self.clock = clock
        self.sla = sla
        self.consumer = consumer
        self.batch_size = batch_size
        self.reclaim_after_ms = reclaim_after_ms
        self.max_deliveries = max_deliveries
        self.idle_consumer_ms = idle_consumer_ms
        self._stopping = False
        self._resumed = False  # own pending entries (from before a restart) taken back
        self._cleaned_at: float | None = None
        self.incidents = IncidentStore(
            store.redis, store.keys, incidents, events_maxlen=store.retention.events
        )
        self.drafting = drafting  # generated drafts ([drafts.llm]), after the batch is queued
        self.inputs = Inputs(store, clock, library or LibraryConfig())
        self.metrics = metrics or Metrics()

    def stop(self) -> None:
        """Ask run_forever to return after the batch in hand."""
        self._stopping = True

    async def run_once(self, block_ms: int | None = None) -> int:
        """Handle one batch: own leftovers first, then a dead worker's, then new entries."""
        await self._cleanup()
        if not self._resumed:
            entries = await self.store.read_ingest(
                self.consumer, self.batch_size, None, own_pending=True
            )
            self._resumed = len(entries) < self.batch_size
            if entries:
                log.warning("taking back %d entries read before a restart", len(entries))
                return await self._handle_counted(entries)
        entries = await self.store.reclaim(self.consumer, self.reclaim_after_ms, self.batch_size)
        if entries:
            log.warning("reclaimed %d entries left pending by another worker", len(entries))
            return await self._handle_counted(entries)
        entries = await self.store.read_ingest(self.consumer, self.batch_size, block_ms)
        if entries:
            await self.handle(entries)
        return len(entries)

    async def step(self, block_ms: int | None = None) -> int:
        """Run one batch; a vanished stream group is recreated, any other error goes up to
        the supervisor to log and restart (read entries stay pending, nothing is lost)."""
        try:
            return await self.run_once(block_ms=block_ms)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                self._resumed = False
                raise
        except BaseException:
            # Cut short (Redis away mid-batch): take our own pending entries back first
            # next time, not after `reclaim_after`.
            self._resumed = False
            raise
        # A Redis restarted without its data, or a FLUSHDB: pollers may be adding entries
        # right now, so the group must exist again at once.
        log.warning("ingest stream group missing; creating it again")
        await self.store.ensure_group()
        self._resumed = True
        return 0

    async def run_forever(self, *, block_ms: int = 1000) -> None:
        """Work until stopped (benchmarks; the service runs `step` under its supervisor)."""
        while not self._stopping:
            await self.step(block_ms=block_ms)

    async def _handle_counted(self, entries: list[Entry]) -> int:
        counts = await self.store.deliveries(self.consumer, [e.entry_id for e in entries])
        await self.handle(entries, counts)
        return len(entries)

    async def handle(self, entries: list[Entry], deliveries: dict[str, int] | None = None) -> None:
        """Queue each entry's mention once; set aside the ones that cannot be; ack all."""
        dead: list[DeadLetter] = []
        items: list[_Item] = []
        for entry in entries:
            count = (deliveries or {}).get(entry.entry_id, 1)
            if count > self.max_deliveries:
                reason = f"read {count} times without being queued (limit {self.max_deliveries})"
                dead.append(self._letter(entry, reason, count))
                continue
            try:
                items.append(_parse(entry))
            except Exception as exc:  # anything a payload can provoke, not only BadPayload
                dead.append(self._letter(entry, _reason(exc), count))
        threads = [self.store.said_key(item.mention) for item in items]
        contexts = sorted({c for item in items if (c := self.store.context_key(item.mention))})
        queued_by, said, earlier = await self.store.lookup(
            [mention_id(*item.mention.identity) for item in items],
            [t for t in threads if t],
            contexts,
        )
        told = dict(zip([t for t in threads if t], said, strict=True))
        before = dict(zip(contexts, earlier, strict=True))
        fresh = [item for item, by in zip(items, queued_by, strict=True) if by is None]
        # An entry read again after a crash (it queued its mention, then was not acked) is
        # no duplicate from the platform: the two are counted apart.
        again = sum(by == item.entry.entry_id for item, by in zip(items, queued_by, strict=True))
        await self.store.count_all(
            {"redelivered": again, "duplicates": len(items) - len(fresh) - again}
        )
        jobs = describe(self.store, [item.mention for item in fresh], told, before)
        suggestions = await self._suggest(jobs) if fresh else []
        ready: list[tuple[_Item, Ready]] = []
        for item, suggestion in zip(fresh, suggestions, strict=True):
            try:
                ready.append((item, self._ready(item, suggestion)))
            except Exception as exc:
                dead.append(self._letter(item.entry, _reason(exc), 1))
        queued: list[Ready] = []
        dead += await self._enqueue(ready, queued)
        if self.drafting is not None and queued:
            given = {job.id: job.context for job in jobs}
            self.drafting.offer([_wanted(r, given.get(r.id, ())) for r in queued])
        try:
            await self.inputs.library.followed_up([r for _, r in ready])
        except Exception as exc:  # the library must never hold up the queue
            _raise_if_redis_state(exc)
            log.warning("could not check a batch of %d against the library: %s", len(ready), exc)
        for letter in dead:
            log.error(
                "ingest entry %s set aside as a dead letter: %s",
                letter.entry_id,
                letter.reason,
                extra={"event": "dead_letter", "entry": letter.entry_id},
            )
        await self.store.ack([entry.entry_id for entry in entries], dead)
        self.metrics.ingested((i.mention.platform, i.mention.account) for i in fresh)

    def _ready(self, item: _Item, suggestion: Suggestion) -> Ready:
        mention = item.mention
        within, warn = self.sla.for_account(mention.platform, mention.account)
        timer = timing(mention.created_at, item.ingested_at, respond_within=within, warn_after=warn)
        if mention.reply_until is not None and mention.reply_until <= self.clock.now():
            suggestion = replace(suggestion, drafts=())  # the platform takes no reply now
        return Ready(
            mention=mention,
            suggestion=suggestion,
            timing=timer,
            source=item.source,
            ingested_at=item.ingested_at,
            entry=item.entry.entry_id,
        )

    async def _enqueue(
        self, ready: list[tuple[_Item, Ready]], queued: list[Ready]
    ) -> list[DeadLetter]:
        """Queue the batch in one call; if the data breaks it, queue one by one and return
        the mentions that cannot be queued as dead letters. `queued` gets the mentions
        that opened a new conversation."""
        if not ready:
            return []
        now = self.clock.now()
        try:
            codes = await self.store.enqueue([r for _, r in ready], now)
            queued += [r for (_, r), code in zip(ready, codes, strict=True) if code is Code.QUEUED]
            # Also after a redelivery (the enqueue then says "duplicate"): joining is
            # idempotent, and a crash between the two steps must not leave it unjoined.
            await join_incidents(self.incidents, [r for _, r in ready], now)
            return []
        except Exception as exc:
            _raise_if_redis_state(exc)
            log.warning("queueing a batch of %d failed (%s); queueing one by one", len(ready), exc)
        dead: list[DeadLetter] = []
        for item, one in ready:
            try:
                codes = await self.store.enqueue([one], now)
                await join_incidents(self.incidents, [one], now)
            except Exception as exc:
                _raise_if_redis_state(exc)
                dead.append(self._letter(item.entry, _reason(exc), 1))
                continue
            assert codes[0] is not Code.RETRY
            if codes[0] is Code.QUEUED:
                queued.append(one)
        return dead

    async def _suggest(self, jobs: list[Job]) -> list[Suggestion]:
        """Score and draft a batch; if that fails, go one by one and queue any mention it
        fails on as neutral without drafts, so a mention is never lost to the model."""
        inputs = await self.inputs.now()
        ranking, model, library = inputs.ranking, inputs.model, inputs.library
        try:
            return await self.scorer.suggest(jobs, ranking, model, library)
        except Exception:
            log.exception("scoring a batch of %d failed; scoring one by one", len(jobs))
        results: list[Suggestion] = []
        for job in jobs:
            try:
                results += await self.scorer.suggest([job], ranking, model, library)
            except Exception as exc:
                log.error("cannot score %r, queueing it as neutral: %s", job.text[:80], exc)
                results.append(unsuggested(job))
        return results

    async def _cleanup(self) -> None:
        """Now and then, drop consumers that left nothing pending (restarts, old hosts)."""
        now = self.clock.monotonic()
        if self._cleaned_at is not None and now - self._cleaned_at < _CLEANUP_EVERY:
            return
        self._cleaned_at = now
        gone = await self.store.drop_idle_consumers(self.consumer, self.idle_consumer_ms)
        if gone:
            log.info("removed %d idle consumers from the ingest group: %s", len(gone), gone)

    def _letter(self, entry: Entry, reason: str, deliveries: int) -> DeadLetter:
        return DeadLetter(
            entry_id=entry.entry_id,
            fields=entry.fields,
            reason=reason,
            at=self.clock.now(),
            deliveries=deliveries,
        )


def _wanted(ready: Ready, context: tuple[Said, ...]) -> Wanted:
    return Wanted(
        id=ready.id,
        mention=ready.mention,
        understanding=ready.suggestion.understanding,
        templates=tuple(d.text for d in ready.suggestion.drafts),
        thread=context,
    )


def _raise_if_redis_state(exc: Exception) -> None:
    """Re-raise errors that say Redis (not the data) is in trouble: retry later, lose nothing."""
    if isinstance(exc, ResponseError | DataError):
        if str(exc).startswith(_REDIS_STATES):
            raise exc
    elif isinstance(exc, RedisError | OSError | TimeoutError):
        raise exc


def _reason(exc: Exception) -> str:
    return str(exc) if isinstance(exc, BadPayload) else f"{type(exc).__name__}: {exc}"


def _parse(entry: Entry) -> _Item:
    fields = entry.fields
    if "mention" not in fields:
        raise BadPayload("entry has no mention field", raw=str(fields))
    try:
        ingested_at = from_epoch(float(fields.get("ingested_at", "")))
    except (ValueError, OverflowError, OSError) as exc:
        raise BadPayload(f"bad ingested_at: {exc}", raw=str(fields)) from exc
    return _Item(
        entry=entry,
        mention=Mention.from_json(fields["mention"]),
        source=fields.get("source", "?"),
        ingested_at=ingested_at,
    )
