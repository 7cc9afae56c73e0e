"""The moment a mention arrives in, in the team's time zone: part of day, festival, day off.

Lunar festivals come from `borax` (MIT), 清明 and official days off from `chinese_calendar`;
no dates are written down here, only the rules that name them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar
from borax.calendars.lunardate import LunarDate
from chinese_calendar import Holiday

TEAM_ZONE = "Asia/Shanghai"

# (lunar month, day) of a non-leap month; 除夕 is found as the day before 春节.
LUNAR_FESTIVALS = {
    (1, 1): "春节",
    (1, 15): "元宵",
    (2, 2): "龙抬头",
    (5, 5): "端午",
    (7, 7): "七夕",
    (7, 15): "中元",
    (8, 15): "中秋",
    (9, 9): "重阳",
    (12, 8): "腊八",
    (12, 23): "小年",  # northern custom
}
SOLAR_FESTIVALS = {
    (1, 1): "元旦",
    (2, 14): "情人节",
    (3, 8): "妇女节",
    (5, 1): "劳动节",
    (6, 1): "儿童节",
    (10, 1): "国庆",
    (12, 25): "圣诞",
}
SOLAR_TERM_FESTIVALS = ("清明",)
# Days one does not wish anyone a happy one (清明 and 中元 remember the dead);端午 and 重阳
# take 安康 in templates that know it, and 快乐 is still common for them.
NO_WISH = frozenset({"清明", "中元", "龙抬头", "腊八"})


def festive(festival: str) -> bool:
    """Whether a day's name takes "…快乐"."""
    return bool(festival) and festival not in NO_WISH


# chinese_calendar's own Chinese names are short ("清明", "中秋"); these are the official ones.
HOLIDAY_NAMES = {
    Holiday.new_years_day: "元旦",
    Holiday.spring_festival: "春节",
    Holiday.tomb_sweeping_day: "清明节",
    Holiday.labour_day: "劳动节",
    Holiday.dragon_boat_festival: "端午节",
    Holiday.mid_autumn_festival: "中秋节",
    Holiday.national_day: "国庆节",
}

# Parts of the day as (hour it ends before, name), in order.
PARTS_OF_DAY = (
    (5, "late_night"),
    (8, "early"),
    (11, "morning"),
    (13, "noon"),
    (18, "afternoon"),
    (23, "evening"),
    (24, "late_night"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Moment:
    """When a mention arrives, as reply templates see it."""

    local: datetime  # the instant in the team's time zone
    time: str  # part of day, one of the names in PARTS_OF_DAY
    festival: str  # festival on the local date in Chinese, "" if none
    holiday: str  # official day off (including bridged days), "" if none or year not covered
    makeup_workday: bool  # an official make-up working day (调休上班) on a weekend


def moment_at(at: datetime, zone: str = TEAM_ZONE) -> Moment:
    """Return the moment of the aware instant `at` in `zone`; ValueError if naive or unknown."""
    if at.utcoffset() is None:
        raise ValueError(f"moment_at needs a timezone-aware datetime, got naive {at!r}")
    local = at.astimezone(time_zone(zone))
    festival, holiday, makeup_workday = day_facts(local.date())
    return Moment(
        local=local,
        time=part_of_day(local.hour),
        festival=festival,
        holiday=holiday,
        makeup_workday=makeup_workday,
    )


def part_of_day(hour: int) -> str:
    """Name the part of day an hour (0-23) falls in."""
    return next(name for end, name in PARTS_OF_DAY if hour < end)


@lru_cache(maxsize=64)
def time_zone(name: str) -> ZoneInfo:
    """Return the IANA zone `name`, or raise ValueError saying it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name such as {TEAM_ZONE!r}"
        ) from error


@lru_cache(maxsize=4096)
def day_facts(day: date) -> tuple[str, str, bool]:
    """Return (festival, holiday, makeup_workday) for a local date; cached per date."""
    festival = lunar_festival(day) or solar_festival(day)
    try:
        off, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:  # the library has no data for this year
        return festival, "", False
    if name is None:
        return festival, "", False
    if off:
        holiday = Holiday(name)
        return festival, HOLIDAY_NAMES.get(holiday, str(holiday.chinese)), False
    return festival, "", day.weekday() >= 5


def lunar_festival(day: date) -> str:
    """Name the lunar festival on `day`, "" if none or outside the library's years."""
    lunar, next_lunar = _lunar(day), _lunar(day, days_after=1)
    if next_lunar is not None and _is(next_lunar, 1, 1):
        return "除夕"  # the last day of the lunar year, whether month 12 has 29 or 30 days
    if lunar is None or lunar.leap:
        return ""
    return LUNAR_FESTIVALS.get((lunar.month, lunar.day), "")


def solar_festival(day: date) -> str:
    """Name the solar festival or festival solar term on `day`, "" if none."""
    try:
        terms = chinese_calendar.get_solar_terms(day, day)
    except (NotImplementedError, ValueError):  # only 1900-2100 are supported
        terms = []
    for _, term in terms:
        if term in SOLAR_TERM_FESTIVALS:
            return str(term)
    return SOLAR_FESTIVALS.get((day.month, day.day), "")


def _lunar(day: date, days_after: int = 0) -> LunarDate | None:
    # Check the round trip too: a calendar library past its last year may be quietly wrong.
    try:
        day += timedelta(days=days_after)
        lunar = LunarDate.from_solar(day)
        if lunar.to_solar_date() == day:
            return lunar
    except (ValueError, OverflowError):
        pass
    return None


def _is(lunar: LunarDate, month: int, day: int) -> bool:
    return bool(lunar.month == month and lunar.day == day and not lunar.leap)
