"""The moment a mention arrives in: part of day, festival, official day off, make-up workday."""

from __future__ import annotations

import timeit
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from responder.drafts.moments import Moment, moment_at

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _on(day: date) -> Moment:
    """The moment at noon, Shanghai time, on `day`."""
    return moment_at(datetime(day.year, day.month, day.day, 12, tzinfo=SHANGHAI))


@pytest.mark.parametrize(
    ("day", "festival"),
    [
        (date(2026, 9, 25), "中秋"),
        (date(2027, 2, 6), "春节"),
        (date(2027, 2, 5), "除夕"),  # 腊月廿九: lunar month 12 of 2026 has 29 days
        (date(2024, 2, 9), "除夕"),  # 腊月三十
        (date(2024, 2, 8), ""),  # 腊月廿九 of a 30-day month is not 除夕
        (date(2026, 3, 3), "元宵"),
        (date(2026, 6, 19), "端午"),
        (date(2026, 8, 19), "七夕"),
        (date(2026, 10, 1), "国庆"),
        (date(2026, 1, 1), "元旦"),
        (date(2026, 2, 14), "情人节"),
        (date(2026, 4, 5), "清明"),
        (date(2025, 4, 4), "清明"),
        (date(2020, 10, 1), "中秋"),  # also 国庆: lunar wins
        (date(2026, 9, 24), ""),
        (date(2100, 10, 18), ""),  # lunar 9-15 (a library past its range once said 中秋)
    ],
)
def test_festival(day: date, festival: str) -> None:
    assert _on(day).festival == festival


@pytest.mark.parametrize(
    ("day", "holiday"),
    [
        (date(2026, 1, 1), "元旦"),
        (date(2026, 1, 2), "元旦"),  # a bridged day off
        (date(2026, 2, 17), "春节"),
        (date(2026, 4, 6), "清明节"),
        (date(2026, 5, 5), "劳动节"),
        (date(2026, 6, 19), "端午节"),
        (date(2026, 9, 25), "中秋节"),
        (date(2026, 10, 3), "国庆节"),  # a Saturday inside the National Day break
        (date(2026, 10, 8), ""),
    ],
)
def test_official_holiday(day: date, holiday: str) -> None:
    moment = _on(day)
    assert moment.holiday == holiday
    assert moment.makeup_workday is False


def test_makeup_workdays_are_the_librarys_weekend_workdays() -> None:
    year = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    makeup = [d for d in year if d.weekday() >= 5 and chinese_calendar.is_workday(d)]
    assert makeup
    assert date(2026, 1, 4) in makeup  # Sunday worked for 元旦 2026
    assert [d for d in year if _on(d).makeup_workday] == makeup
    sunday = _on(date(2026, 1, 4))
    assert (sunday.holiday, sunday.makeup_workday) == ("", True)


def test_ordinary_weekend_is_no_holiday() -> None:
    saturday = date(2026, 11, 28)
    assert saturday.weekday() == 5 and chinese_calendar.is_holiday(saturday)
    moment = _on(saturday)
    assert (moment.holiday, moment.makeup_workday) == ("", False)


def test_year_the_library_does_not_cover() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_holiday(date(2031, 10, 1))
    moment = _on(date(2031, 10, 1))
    assert (moment.festival, moment.holiday, moment.makeup_workday) == (
        "中秋",
        "",
        False,
    )  # 中秋 and 国庆 coincide


@pytest.mark.parametrize(
    ("utc", "local", "part"),
    [
        ("2026-11-25T14:59:00", "2026-11-25T22:59:00", "evening"),
        ("2026-11-25T15:00:00", "2026-11-25T23:00:00", "late_night"),
        ("2026-11-25T15:30:00", "2026-11-25T23:30:00", "late_night"),
        ("2026-11-25T20:59:00", "2026-11-26T04:59:00", "late_night"),
        ("2026-11-25T21:00:00", "2026-11-26T05:00:00", "early"),
        ("2026-11-25T23:59:00", "2026-11-26T07:59:00", "early"),
        ("2026-11-26T00:00:00", "2026-11-26T08:00:00", "morning"),
        ("2026-11-26T02:59:00", "2026-11-26T10:59:00", "morning"),
        ("2026-11-26T03:00:00", "2026-11-26T11:00:00", "noon"),
        ("2026-11-26T04:59:00", "2026-11-26T12:59:00", "noon"),
        ("2026-11-26T05:00:00", "2026-11-26T13:00:00", "afternoon"),
        ("2026-11-26T09:59:00", "2026-11-26T17:59:00", "afternoon"),
        ("2026-11-26T10:00:00", "2026-11-26T18:00:00", "evening"),
    ],
)
def test_part_of_day_from_utc(utc: str, local: str, part: str) -> None:
    moment = moment_at(datetime.fromisoformat(utc).replace(tzinfo=UTC))
    assert moment.local.replace(tzinfo=None) == datetime.fromisoformat(local)
    assert moment.local.utcoffset() == timedelta(hours=8)
    assert moment.time == part


def test_other_zone_gives_its_own_local_date() -> None:
    at = datetime(2026, 9, 24, 17, tzinfo=UTC)
    shanghai, berlin = moment_at(at), moment_at(at, "Europe/Berlin")
    assert (shanghai.local.date(), shanghai.time, shanghai.festival) == (
        date(2026, 9, 25),
        "late_night",
        "中秋",
    )
    assert (berlin.local.date(), berlin.time, berlin.festival) == (
        date(2026, 9, 24),
        "evening",
        "",
    )
    assert berlin.local == shanghai.local == at


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        moment_at(datetime(2026, 10, 1, 12))  # noqa: DTZ001


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "Europe", "../etc/passwd"])
def test_unknown_zone_is_refused(zone: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        moment_at(datetime(2026, 10, 1, tzinfo=UTC), zone)


def test_cached_call_is_cheap() -> None:
    at = datetime(2026, 10, 1, 4, tzinfo=UTC)
    moment_at(at)
    per_call = min(timeit.repeat(lambda: moment_at(at), number=2_000, repeat=5)) / 2_000
    assert per_call < 20e-6, f"{per_call * 1e6:.1f} µs per cached call"
