"""When the weekly digest is due: `[reports] digest = "mon 09:30"` (a weekday and a time
of day in the team's zone). Pure, so the config can check it as it loads."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WHEN = re.compile(r"^(?P<day>[a-z]{3})\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})$")


def parse_when(text: str) -> tuple[int, time]:
    """`mon 09:30` as (0, 09:30); ValueError saying the form for anything else."""
    found = WHEN.match(text.strip().lower())
    if not found or found["day"] not in DAYS:
        raise ValueError(f'must look like "mon 09:30" (mon…sun, 24-hour time), not {text!r}')
    hour, minute = int(found["hour"]), int(found["minute"])
    if hour > 23 or minute > 59:
        raise ValueError(f"must have a time of day from 00:00 to 23:59, not {text!r}")
    return DAYS.index(found["day"]), time(hour, minute)


def last_due(when: tuple[int, time], now: datetime) -> datetime:
    """The latest moment at or before `now` (aware, in the team's zone) the digest was due."""
    weekday, at = when
    day = now.date() - timedelta(days=(now.weekday() - weekday) % 7)
    due = datetime.combine(day, at, now.tzinfo)
    return due if due <= now else due - timedelta(days=7)
