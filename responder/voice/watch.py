"""The voice's watch, a supervised loop in every `tiexin run`: pages a complaint topic
rising well above its usual level (spikes.py), and puts the week's voice of the customer in
the alert channels when `[reports] digest` is due. A product hazard (起火, 烫伤, 爆炸) is
the 危机 topic, whatever burnt: it rises as one.

Spikes are read from the rollups' hourly counters: the last two hours (the one before this
and this one so far) against the same hours of each of the `spike_days` days before. Days
the rollups hold nothing of (before Tiexin ran) are left out of the usual level, and with
fewer than LEAST_DAYS of them nothing is judged: a new install does not page every topic
it meets. Several processes may look at once; the page's marker lets one through a day.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from responder.alerts.links import mention_link, public_base
from responder.clock import Clock
from responder.config import Config
from responder.reports.buckets import HOUR, local_day
from responder.store.records import stream_events
from responder.store.store import Store
from responder.voice.paging import DAY, raise_once, raised
from responder.voice.render import digest, week_of
from responder.voice.spikes import Sample, Spike, marker, page, rising
from responder.voice.topics import FIELDS, SAMPLES, Said, counted, from_counts, said_of
from responder.voice.week import READ, products_of, voice_of
from responder.voice.weekly import last_due, parse_when

log = logging.getLogger(__name__)
SPIKE_EVERY = 300.0  # seconds between looks for spikes
DIGEST_EVERY = 60.0  # seconds between looks at the digest's time
LEAST_DAYS = 3  # days of history before a spike is judged
SCAN = 5000  # stream entries read back, at most, for a spike's sample mentions
SCAN_BATCH = 500


class VoiceWatch:
    """Spikes and the weekly digest, as `config` says."""

    def __init__(self, store: Store, config: Config, clock: Clock) -> None:
        self.store, self.clock = store, clock
        self.reports = config.reports
        self.zone = ZoneInfo(config.drafts.timezone)
        self.base = public_base(config)
        self.maxlen = config.retention.events
        self.names = products_of(config)
        self.when = parse_when(config.reports.digest) if config.reports.digest else None
        self._next_look = 0.0

    async def step(self) -> float:
        """Look for spikes when due, and at the digest; return the seconds to wait."""
        now = self.clock.now()
        if self.reports.spikes and now.timestamp() >= self._next_look:
            await self.spikes(now)
            self._next_look = now.timestamp() + SPIKE_EVERY
        if self.when is not None:
            await self.digest(now)
            return DIGEST_EVERY
        return SPIKE_EVERY

    async def spikes(self, now: datetime) -> list[Spike]:
        """Page each subject well above its usual level that has not paged today."""
        hour = int(now.timestamp() // HOUR)
        counts, before, days = await self._hours(hour)
        if days < LEAST_DAYS:
            return []
        found = rising(counts, before, days=days)
        fresh = [
            f
            for f in found
            if not await raised(self.store.redis, self.store.keys, marker(f[0], now))
        ]
        if not fresh:
            return []
        since = (hour - 1) * HOUR
        said = await self._said_since(since, {subject for subject, _, _ in fresh})
        paged = []
        for subject, count, usual in fresh:
            people = sorted(said.get(subject, ()), key=lambda s: (-s.followers, s.id))
            spike = Spike(
                subject=subject,
                name=self._name(subject, count, people),
                count=count,
                usual=usual,
                window_min=round((now.timestamp() - since) / 60),
                samples=tuple(
                    Sample(id=s.id, text=s.text, link=mention_link(self.base, s.id))
                    for s in people[:SAMPLES]
                ),
            )
            if await page(self.store.redis, self.store.keys, spike, now, maxlen=self.maxlen):
                log.warning("spike paged: %s, %d against %.1f usually", spike.name, count, usual)
                paged.append(spike)
        return paged

    async def _hours(self, hour: int) -> tuple[dict[str, int], dict[str, list[int]], int]:
        """This window's counts by subject, each earlier day's with history, and how many
        earlier days have history."""
        days, keys = self.reports.spike_days, self.store.keys
        async with self.store.redis.pipeline(transaction=False) as pipe:
            for day in range(days + 1):
                for h in (hour - 1, hour):
                    pipe.hgetall(keys.report_hour(h - 24 * day))
            for day in range(1, days + 1):
                pipe.exists(keys.report_day(local_day((hour - 24 * day) * HOUR, self.zone)))
            replies = await pipe.execute()
        hashes = cast(list[dict[str, str]], replies[: 2 * (days + 1)])
        counts = _subjects(hashes[0], hashes[1])
        before: dict[str, list[int]] = defaultdict(list)
        known = 0
        for day in range(1, days + 1):
            if not replies[2 * (days + 1) + day - 1]:
                continue
            known += 1
            for subject, n in _subjects(hashes[2 * day], hashes[2 * day + 1]).items():
                before[subject].append(n)
        return counts, before, known

    async def _said_since(self, since: float, subjects: Collection[str]) -> dict[str, list[Said]]:
        """The mentions taken in since `since` (epoch s) that count toward `subjects`, read
        back from the newest entries of the event stream (at most SCAN of them)."""
        redis, keys = self.store.redis, self.store.keys
        ids: list[str] = []
        top, read = "+", 0
        while read < SCAN:
            entries = cast(
                list[tuple[str, dict[str, str]]],
                await redis.xrevrange(keys.events, max=top, min="-", count=SCAN_BATCH),
            )
            if not entries:
                break
            older = False
            for _, fields in entries:
                for ev in stream_events(fields):
                    if ev.get("type") == "ingested":
                        if float(ev.get("at") or 0) >= since:
                            ids.append(fields["mention"])
                        else:
                            older = True
            if older:
                break
            read += len(entries)
            top = f"({entries[-1][0]}"
        found: dict[str, list[Said]] = defaultdict(list)
        wanted = ("id", "text", "author_followers", *FIELDS)
        for start in range(0, len(ids), READ):
            for row in await self.store.mentions(ids[start : start + READ], wanted):
                subject = _subject_of(row)
                if subject in subjects:
                    found[subject].append(said_of(row))
        return found

    def _name(self, subject: str, count: int, said: list[Said]) -> str:
        topic = subject.partition(":")[2]
        return from_counts({topic: count}, {}, {}, said, names=self.names).topics[0].name

    async def digest(self, now: datetime) -> bool:
        """Put the last full week's digest in the alert channels once, from its due time
        on (a process that was down then sends it when it starts). A week with nothing
        taken in sends nothing."""
        assert self.when is not None
        due = last_due(self.when, now.astimezone(self.zone))
        week = week_of(due.date() - timedelta(days=7), self.zone.key)
        key = f"digest:{week.name}"
        redis, keys = self.store.redis, self.store.keys
        if await raised(redis, keys, key):
            return False
        voice = await voice_of(self.store, week, names=self.names)
        if not voice.total:
            return False
        title, lines = digest(voice, week)
        link = f"{self.base}/reports?week={week.name}#voice"
        detail = {"title": title, "lines": lines, "link": link}
        sent = await raise_once(
            redis,
            keys,
            subject=f"voice:{week.name}",
            stage="digest",
            key=key,
            detail=detail,
            at=now,
            maxlen=self.maxlen,
            ttl=8 * DAY,
        )
        if sent:
            log.info("weekly digest %s put in the alert channels", week.name)
        return sent


def _subjects(*hashes: Mapping[str, str]) -> dict[str, int]:
    """Counts by subject (`topic:<intent>|<aspect>`) in the hour hashes' `v:` fields."""
    counts: dict[str, int] = defaultdict(int)
    for fields in hashes:
        for name, value in fields.items():
            if name.startswith("v:"):
                counts["topic:" + name[2:]] += int(value)
    return dict(counts)


def _subject_of(row: Mapping[str, str]) -> str:
    """The subject a stored mention counts toward ("" for none)."""
    found = counted(row)
    return f"topic:{found[0]}" if found and found[0] else ""
