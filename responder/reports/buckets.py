"""Time buckets and response-time buckets of the reports: pure arithmetic.

Counters are kept per UTC hour (epoch seconds // 3600) and per day in the team's zone;
a day in the zone is the sum of its hours (24, or 23/25 where the zone changes its
clock). Response times are counted in fixed buckets, and a percentile is read by linear
interpolation inside the bucket it falls in: its error is at most that bucket's width
(30 s below 5 minutes, 60 s up to 15 minutes, wider after; see BOUNDS).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

HOUR = 3600
# Upper bounds (seconds) of the response-time buckets; the last bucket is open-ended.
BOUNDS: tuple[int, ...] = (
    *range(30, 301, 30),  # 30 s steps to 5 min
    *range(360, 901, 60),  # 1 min steps to the 15 min promise
    *(1200, 1800, 2700, 3600, 7200, 14400, 28800, 86400),
)
OPEN_END = 2 * 86400  # where interpolation takes the last (open) bucket to end


def bucket_of(seconds: float) -> int:
    """Index of the bucket `seconds` falls in (a time equal to a bound is in its bucket)."""
    return bisect.bisect_left(BOUNDS, max(0.0, seconds))


def percentile(counts: Sequence[int], q: float) -> float | None:
    """The q-quantile (0 < q <= 1) of the times counted in `counts` (one per bucket), in
    seconds, interpolated within its bucket; None when nothing was counted."""
    total = sum(counts)
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for index, count in enumerate(counts):
        if count and seen + count >= rank:
            low = BOUNDS[index - 1] if index else 0
            high = BOUNDS[index] if index < len(BOUNDS) else OPEN_END
            return low + (high - low) * (rank - seen) / count
        seen += count
    return float(OPEN_END)  # not reached: the counts add up to total


def hour_of(epoch: float) -> int:
    return int(epoch // HOUR)


def local_day(epoch: float, zone: ZoneInfo) -> str:
    """The day (YYYY-MM-DD) in `zone` of an epoch time."""
    return datetime.fromtimestamp(epoch, zone).date().isoformat()


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Midnight of `day` in `zone`, as an aware UTC time."""
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def hours_of(day: date, zone: ZoneInfo) -> range:
    """The UTC epoch hours that make up `day` in `zone`."""
    start = day_start(day, zone).timestamp()
    end = day_start(day + timedelta(days=1), zone).timestamp()
    return range(hour_of(start), hour_of(end))


def days(since: date, until: date) -> list[date]:
    """Every day from `since` to `until`, both included."""
    return [since + timedelta(days=n) for n in range((until - since).days + 1)]
