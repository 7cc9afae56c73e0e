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

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from redis.asyncio import Redis

from responder.store.keys import Keys

LEAST = 5  # mentions in the window, at least
FACTOR = 3.0  # times the usual level, at least
SIGMAS = 3.0  # and this far above it, counted in √usual (chance's spread of a count)
SAMPLES = 3
DAY = 86400

# KEYS: 1 the subject's marker for the day, 2 the alerts stream
# ARGV: 1 the stream's MAXLEN, 2 now (epoch s), 3 subject, 4 key, 5 detail JSON, 6 marker TTL
# Returns 1 paged, 0 already paged today.
PAGE = """
if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[6]) == false then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', 'subject', ARGV[3], 'stage', 'spike',
           'cycle', '1', 'key', ARGV[4], 'at', ARGV[2], 'due', ARGV[2], 'detail', ARGV[5])
return 1
"""


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
    day = int(at.timestamp() // DAY)
    key = f"spike:{spike.subject}:{day}"
    detail = {
        "name": spike.name,
        "count": spike.count,
        "usual": round(spike.usual, 1),
        "window_min": spike.window_min,
        "samples": [{"id": s.id, "text": s.text, "link": s.link} for s in spike.samples[:SAMPLES]],
    }
    script = redis.register_script(PAGE)
    args: list[str | int] = [maxlen, f"{at.timestamp():.3f}", spike.subject, key]
    args += [json.dumps(detail, ensure_ascii=False), DAY]
    return int(await script(keys=[keys.alert_raised(key), keys.alerts], args=args)) == 1
