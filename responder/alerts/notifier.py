"""The notifier: reads fired stages from the alerts stream and pages whoever is on call.

At least once, exactly one page: the stream is read by a consumer group (a restarted
process takes back its own entries, a live one takes over a dead one's), and each page
is claimed under its key (mention:stage:cycle, or the group) before it is sent and marked
sent after, so a redelivered entry never pages twice. The one gap: a process killed after
a channel took a page and before the mark; the page is then sent again with the same key,
which the webhook (Idempotency-Key) and email (Message-ID) carry for receivers to drop.
A group's page is owed from the moment the group opens (docs/alerts/paging.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from redis.exceptions import RedisError

from responder.alerts import compose
from responder.alerts.channels.fallback import AllFailed, Fallback
from responder.alerts.channels.page import Page
from responder.alerts.compose import Links
from responder.alerts.monitor_text import system_page
from responder.alerts.people import Person
from responder.alerts.schedule import Schedule
from responder.alerts.store import AlertStore, group_key
from responder.backoff import Backoff, BackoffPolicy
from responder.clock import Clock, from_epoch
from responder.incidents.store import IncidentStore
from responder.store.consumer import Entry
from responder.store.records import OPEN_STATES, EventType, event
from responder.store.stages import TIMED, Stage
from responder.store.store import Store

log = logging.getLogger(__name__)
GROUPED = frozenset(TIMED)  # stages gathered into group pages (a crisis always goes alone)
UNADDRESSED = frozenset({"digest"})  # for the team to read: nobody on call is @-mentioned
STALE = timedelta(hours=1)  # an entry older than this (the notifier was off) is not paged


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    window: float = 60.0  # seconds a group gathers warnings
    minimum: int = 3  # this many due within the window go out as one page
    summary_after: float = 10.0  # first look at a group's answers this long after its window
    summary_every: float = 15.0  # then this often
    give_up_after: float = 1800.0  # summarise what was answered this long after the window
    lease: float = 60.0  # a delivery claim lasts this long, renewed while the send goes on
    reclaim_after_ms: int = 60_000
    batch: int = 100


@dataclass(slots=True)
class _Job:
    """One page to deliver, the entries it settles and the mentions it is about."""

    key: str
    page: Page
    mentions: list[str]
    entries: list[str]
    stage: str
    group: str = ""
    marks: tuple[str, ...] = ()  # other keys marked sent with it (the opener's own key)


class Notifier:
    def __init__(
        self,
        store: Store,
        fallback: Fallback,
        schedule: Schedule,
        links: Links,
        clock: Clock,
        *,
        consumer: str,
        settings: Settings | None = None,
    ) -> None:
        self.store, self.alerts = store, AlertStore(store)
        self.incidents = IncidentStore(
            store.redis, store.keys, events_maxlen=store.retention.events
        )
        self.fallback, self.schedule, self.links, self.clock = fallback, schedule, links, clock
        self.consumer = consumer
        self.settings = settings or Settings()
        self._redis, self._away_key = store.redis, store.keys.away
        self._away: set[str] = set()  # who is on a break (the workspace's 暂时离开), per step
        self._own_done = False  # read back this consumer's unfinished entries once
        self._later: dict[str, float] = {}  # entry id: when to try its page again
        self._backoff = Backoff(
            BackoffPolicy(initial=5.0, factor=2.0, maximum=300.0, jitter=0.2), random.Random()
        )

    async def ensure_group(self) -> None:
        # New entries only when the group is first made: a notifier switched on later
        # does not page for a backlog it never promised to page.
        await self.alerts.stream.ensure("$")

    async def step(self, block_ms: int | None = None) -> float:
        """Page what is due; return how long to wait before the next step."""
        now = self.clock.now()
        s, stream = self.settings, self.alerts.stream
        entries: list[Entry] = []
        if not self._own_done or any(at <= now.timestamp() for at in self._later.values()):
            # After a restart, what this consumer read and never finished; later, the
            # pages that failed once and whose wait is over.
            own = await stream.read(self.consumer, s.batch, None, own=True)
            self._own_done = len(own) < s.batch
            entries = [e for e in own if self._later.get(e[0], 0.0) <= now.timestamp()]
        if self._own_done:
            entries += await stream.reclaim(self.consumer, s.reclaim_after_ms, s.batch)
            block = None if entries else block_ms
            entries += await stream.read(self.consumer, s.batch, block, own=False)
        if entries:
            try:
                await stream.done(*await self.handle(entries))
            except BaseException:
                self._own_done = False  # cut short: our pending entries first next time
                raise
        await self.summaries()
        if entries or block_ms:
            return 0.0
        return 0.25

    async def handle(self, entries: list[Entry]) -> list[str]:
        """Decide each entry's page in order (grouping is order-sensitive), then deliver
        them all at once, so one slow channel does not hold the others up. Returns the
        entries settled (to acknowledge); the rest are tried again after a backoff."""
        now = self.clock.now()
        jobs: list[_Job] = []
        done: list[str] = []
        self._away = {str(name) for name in await self._redis.hkeys(self._away_key)}
        rows = await self.alerts.mentions([f.get("mention", "") for _, f in entries])
        owed = await self.alerts.owed([f.get("key", "") for _, f in entries])
        ahead = Counter(f.get("stage", "") for _, f in entries)  # of each stage, still to place
        for (entry_id, fields), row, gid in zip(entries, rows, owed, strict=True):
            stage = fields.get("stage", "")
            ahead[stage] -= 1
            timed = Stage.read(stage)
            if gid and timed is not None and timed in GROUPED:
                # It opened a group whose page has not gone out (it failed, or a process
                # died): others joined it, so it goes, whatever became of this mention.
                key = fields.get("key", "")
                job = await self._group_job(gid, timed, entry_id, key, now, self._to(stage))
            else:
                job = await self._decide(entry_id, fields, row, now, ahead[stage])
            same = next((j for j in jobs if job is not None and j.key == job.key), None)
            if job is None:
                done.append(entry_id)
            elif same is not None:  # members of one incident warning together: one page
                same.entries += job.entries
                same.mentions += [m for m in job.mentions if m not in same.mentions]
            else:
                jobs.append(job)
        results = await asyncio.gather(*(self._deliver(job) for job in jobs))
        for job, ok in zip(jobs, results, strict=True):
            if ok:
                done += job.entries
                for entry_id in job.entries:
                    self._later.pop(entry_id, None)
            else:
                wait = self._backoff.next()
                for entry_id in job.entries:
                    self._later[entry_id] = now.timestamp() + wait
        return done

    async def _decide(
        self,
        entry_id: str,
        fields: dict[str, str],
        row: dict[str, str] | None,
        now: datetime,
        others: int,
    ) -> _Job | None:
        said, mid, key = fields.get("stage", ""), fields.get("mention", ""), fields.get("key", "")
        at = from_epoch(float(fields.get("at") or now.timestamp()))
        if fields.get("subject") and key:  # a source or the pipeline: at once, never held
            to = () if said in UNADDRESSED else self._to(said)
            page = replace(system_page(fields, link=self.links.queue()), to=to)
            return _Job(key=key, page=page, mentions=[], entries=[entry_id], stage=said)
        if not mid or not key or now - at > STALE:
            log.info("alert %s not paged: %s", key or entry_id, "stale" if mid else "no mention")
            return None
        stage = Stage.read(said)
        if stage is None:
            log.error("alert %s not paged: unknown stage %r", key, said)
            return None
        if row is None or row.get("state") not in OPEN_STATES:
            return None  # answered (or gone) before the page went out: nobody to wake
        if stage is Stage.ESCALATED and row.get("acked_at"):
            return None
        crisis = stage is Stage.CRISIS or bool(row.get("crisis"))
        if not crisis and self.schedule.in_quiet_hours(now):  # a crisis is never held
            await self.alerts.log([mid], event(EventType.PAGE_HELD, now, "notifier", stage=stage))
            return None
        to = self._to(stage)
        if row.get("incident_id"):
            return await self._incident_job(row["incident_id"], stage, mid, entry_id, now, to)
        if stage in GROUPED:
            placed = await self.alerts.place(
                stage,
                mid,
                now,
                window=self.settings.window,
                minimum=self.settings.minimum,
                others=others,
                summary_at=self._summary_at(now) if stage is Stage.WARNED else None,
                marker=key,
            )
            if placed.kind == "done":
                return None
            if placed.kind == "joined":
                if placed.again and await self._paged_in(mid, placed.group):
                    return None  # read again after its page was logged
                record = event(EventType.PAGED, now, "notifier", stage=stage, group=placed.group)
                await self.alerts.log([mid], record)
                return None
            if placed.kind == "opened":
                return await self._group_job(placed.group, stage, entry_id, key, now, to)
        page = compose.for_mention(stage, mid, row, now, self.links, key=key, to=to)
        return _Job(key=key, page=page, mentions=[mid], entries=[entry_id], stage=stage)

    async def _incident_job(
        self, iid: str, stage: Stage, mid: str, entry_id: str, now: datetime, to: tuple[Person, ...]
    ) -> _Job | None:
        """One page per incident and stage, whichever member's timer fired (the key says
        so: a member joining later, or a second member warning, is paged no more); it
        names the incident's size and reach and links to its row in the queue."""
        found = await self.incidents.read(iid)
        shown = (found or {}).get("row") or mid
        [row] = await self.alerts.mentions([shown])
        if found is None or row is None:
            return None
        if stage is Stage.ESCALATED and row.get("acked_at"):
            return None  # someone acknowledged the incident's page (it links to this row)
        key = f"{iid}:{stage}:1"
        size_reach = (int(found["size"]), int(found["reach"]))
        page = compose.for_mention(
            stage, shown, row, now, self.links, key=key, to=to, incident=size_reach
        )
        return _Job(key=key, page=page, mentions=[mid], entries=[entry_id], stage=stage)

    async def _group_job(
        self, gid: str, stage: Stage, entry_id: str, key: str, now: datetime, to: tuple[Person, ...]
    ) -> _Job | None:
        """The page of group `gid`, opened by this entry; None once nobody in it is
        waiting any more (all answered before the page could go out)."""
        fields, members = await self.alerts.group(gid)
        until = from_epoch(float(fields.get("until") or now.timestamp()))
        coming = await self.alerts.coming(stage, now, until, 500)
        first = fields.get("first", "")
        ids = [first, *[m for m in members if m != first], *coming]
        rows = [r for r in await self.alerts.mentions(ids) if r is not None]
        if not any(r.get("state") in OPEN_STATES for r in rows):
            log.info("group %s not paged: all answered", gid)
            await self.alerts.summary_done(gid)  # nobody was paged: nothing to close
            return None
        count = int(fields.get("count") or len(rows))
        page = compose.for_group(stage, gid, rows, count, now, self.links, to=to)
        return _Job(
            key=page.key,
            page=page,
            mentions=[first] if first else [],
            entries=[entry_id],
            stage=stage,
            group=gid,
            marks=(key,),
        )

    async def _deliver(self, job: _Job) -> bool:
        """Page once under the job's key; True when done (now or before), False to retry."""
        what, _ = await self.alerts.claim(job.key, self.consumer, self.settings.lease)
        if what == "sent":
            return True
        if what == "busy":
            return False  # another process is on it; look again after its lease
        now = self.clock.now()
        extra = {"group": job.group} if job.group else {}
        keep = asyncio.create_task(self._keep(job.key))
        try:
            delivery = await self.fallback.send(job.page)
        except AllFailed as exc:
            await self.alerts.release(job.key, self.consumer)
            await self.alerts.save_health(self.fallback.health())
            log.error("page %s not delivered: %s", job.key, exc, extra={"event": "page_failed"})
            record = event(
                EventType.PAGE_FAILED, now, "notifier", stage=job.stage, reason=str(exc), **extra
            )
            await self.alerts.log(job.mentions, record)
            return False
        finally:
            keep.cancel()
        how = f"{delivery.channel}:{delivery.at.timestamp():.3f}"
        for key in (job.key, *job.marks):
            await self.alerts.sent(key, how)
        await self.alerts.save_health(self.fallback.health())
        record = event(
            EventType.PAGED,
            delivery.at,
            "notifier",
            stage=job.stage,
            channel=delivery.channel,
            attempts=delivery.attempts,
            key=job.key,
            **extra,
        )
        await self.alerts.log(job.mentions, record)
        return True

    async def _keep(self, key: str) -> None:
        """Renew our claim on `key` while its send goes on (retries and fallbacks may take
        minutes), so no other process takes it over; a crash lets it lapse within a lease.
        Real time, not the injected clock: the claim expires on Redis's clock."""
        while True:
            await asyncio.sleep(self.settings.lease / 3)
            with contextlib.suppress(RedisError):  # the next renewal may get through
                await self.alerts.claim(key, self.consumer, self.settings.lease)

    async def summaries(self) -> None:
        """Close the groups whose members are all answered (or that waited long enough)
        with one summary page."""
        s, now = self.settings, self.clock.now()
        for gid in await self.alerts.take_summaries(now, s.lease):
            fields, members = await self.alerts.group(gid)
            opened = float(fields.get("until") or now.timestamp())
            if not await self.alerts.delivered(group_key(gid)):
                # Its page has not gone out (yet): a summary must not come first.
                if now.timestamp() < opened + s.give_up_after:
                    await self.alerts.summary_later(gid, now + timedelta(seconds=s.summary_every))
                else:
                    await self.alerts.summary_done(gid)
                continue
            rows = await self.alerts.mentions(members)
            page, all_answered = compose.for_summary(gid, rows, self.links)
            if not all_answered and now.timestamp() < opened + s.give_up_after:
                await self.alerts.summary_later(gid, now + timedelta(seconds=s.summary_every))
                continue
            job = _Job(key=page.key, page=page, mentions=[], entries=[], stage="resolved")
            if await self._deliver(job):
                await self.alerts.summary_done(gid)
            else:
                await self.alerts.summary_later(gid, now + timedelta(seconds=s.summary_every))

    def _summary_at(self, now: datetime) -> datetime:
        s = self.settings
        return now + timedelta(seconds=s.window + s.summary_after)

    async def _paged_in(self, mid: str, group: str) -> bool:
        """Whether mention `mid`'s log says it was paged in `group` (a process killed after
        joining it and before logging it left the page out of the log)."""
        return any(
            e.get("type") == EventType.PAGED and e.get("group") == group
            for e in await self.store.events_of(mid)
        )

    def _to(self, stage: str) -> tuple[Person, ...]:
        """Whom the page is for: the primary (the secondary too when escalating; the
        secondary alone when there is no primary). Someone on a break is skipped, unless
        everyone on call is: a page must reach somebody."""
        people = self.schedule.who_is_on_call(self.clock.now()).people
        here = tuple(p for p in people if p.name not in self._away) or people
        return here if stage == Stage.ESCALATED else here[:1]
