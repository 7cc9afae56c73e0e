"""Spike alerts: a complaint topic or a product hazard rising well above its usual level
pages on-call once, with sample mentions, through the alerts stream the notifier reads.

What counts as "well above": at least LEAST mentions in the window, at least FACTOR times
the usual count of that window, and above the usual count by more than chance would give
(Poisson: usual + SIGMAS·√usual). The usual count is the mean of the same window on each of
the days before (the caller reads them from the rollups), so a topic that is always busy at
lunch does not page every lunch. One page per subject and day: a marker set with the page
in one script keeps a second detector (another process, a later window) from paging it again.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from redis.asyncio import Redis

from responder.store.keys import Keys
from responder.voice.paging import DAY, raise_once

LEAST = 5  # mentions in the window, at least
FACTOR = 3.0  # times the usual level, at least
SIGMAS = 3.0  # and this far above it, counted in √usual (chance's spread of a count)
SAMPLES = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    id: str
    text: str
    link: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Spike:
    """A subject ("topic:battery|update", "hazard:fire") that rose well above its usual."""

    subject: str
    name: str  # as a person says it: 续航 · 更新：耗电、掉电
    count: int
    usual: float  # mean count of the same window on the days before
    window_min: int
    samples: tuple[Sample, ...] = ()


def rising(
    now: Mapping[str, int], before: Mapping[str, Sequence[int]], *, days: int
) -> list[tuple[str, int, float]]:
    """(subject, count, usual) of each subject well above its usual level, most first.
    `before[s]`: its counts in the same window on earlier days (missing days are 0)."""
    found = []
    for subject, count in now.items():
        usual = sum(before.get(subject, ())) / max(1, days)
        if count >= LEAST and count >= FACTOR * usual and count > usual + SIGMAS * math.sqrt(usual):
            found.append((subject, count, usual))
    return sorted(found, key=lambda f: (-(f[1] - f[2]), f[0]))


async def page(redis: Redis, keys: Keys, spike: Spike, at: datetime, *, maxlen: int) -> bool:
    """Put the spike's page in the alerts stream, unless its subject paged today."""
    detail = {
        "name": spike.name,
        "count": spike.count,
        "usual": round(spike.usual, 1),
        "window_min": spike.window_min,
        "samples": [{"id": s.id, "text": s.text, "link": s.link} for s in spike.samples[:SAMPLES]],
    }
    key = marker(spike.subject, at)
    return await raise_once(
        redis,
        keys,
        subject=spike.subject,
        stage="spike",
        key=key,
        detail=detail,
        at=at,
        maxlen=maxlen,
        ttl=DAY,
    )


def marker(subject: str, at: datetime) -> str:
    """The key of `subject`'s page on the (UTC) day of `at`."""
    return f"spike:{subject}:{int(at.timestamp() // DAY)}"
