"""The on-call schedule: handovers to the second, across midnight, DST and zones; overrides;
quiet hours on the official calendar; config errors with key paths; `tiexin oncall`."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from responder.accounts import DEMO_HASH
from responder.alerts.schedule import Schedule, check_people
from responder.cli import main
from responder.config import Config, ConfigError, parse

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
HALF = timedelta(minutes=30)
USERS = """
[[users]]
name = "wang"
role = "agent"
display = "小王"
password_hash = "{hash}"

[[users]]
name = "li"
role = "lead"
display = "李姐"
password_hash = "{hash}"
""".replace("{hash}", DEMO_HASH)


def config_of(toml: str) -> Config:
    return parse(tomllib.loads(USERS + toml), base_dir=Path("."), source="test.toml")


def schedule_of(toml: str) -> Schedule:
    return Schedule.from_config(config_of(toml))


def problems_of(toml: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        config_of(toml)
    return caught.value.problems


def who(schedule: Schedule, at: datetime) -> tuple[str | None, str | None]:
    now = schedule.who_is_on_call(at)
    return (
        now.primary.name if now.primary else None,
        now.secondary.name if now.secondary else None,
    )


DAILY = """
[[oncall.people]]
name = "zhao"
phone = "13800000000"
dingtalk = "zhao-ding"

[[oncall.rotations]]
name = "daily"
people = ["wang", "li", "zhao"]
handover = "09:30"
length = "1d"
start = 2026-12-01
"""


def test_handover_happens_exactly_at_the_local_time() -> None:
    schedule = schedule_of(DAILY)
    at = datetime(2026, 12, 2, 9, 30, tzinfo=SH)
    second = timedelta(seconds=1)
    assert who(schedule, at - second) == ("wang", None)
    assert who(schedule, at) == ("li", None)
    assert who(schedule, at + second) == ("li", None)
    assert schedule.next_change(at - second) == at.astimezone(UTC)
    assert schedule.who_is_on_call(at).until == datetime(2026, 12, 3, 1, 30, tzinfo=UTC)
    # The first person's turn began on `start`; turns repeat backwards too.
    assert who(schedule, datetime(2026, 12, 1, 9, 29, 59, tzinfo=SH)) == ("zhao", None)
    # Contact handles come from [[oncall.people]], display names from [[users]].
    zhao = schedule.who_is_on_call(datetime(2026, 12, 3, 10, tzinfo=SH)).primary
    assert zhao is not None and (zhao.phone, zhao.dingtalk) == ("13800000000", "zhao-ding")
    li = schedule.who_is_on_call(at).primary
    assert li is not None and li.label == "李姐 (li)"


def test_a_late_evening_handover_holds_across_midnight() -> None:
    schedule = schedule_of(DAILY.replace('"09:30"', '"22:00"'))
    before_midnight = datetime(2026, 12, 2, 23, 59, 59, tzinfo=SH)
    after_midnight = datetime(2026, 12, 3, 0, 0, tzinfo=SH)
    assert who(schedule, before_midnight) == who(schedule, after_midnight) == ("li", None)
    assert who(schedule, datetime(2026, 12, 3, 21, 59, 59, tzinfo=SH)) == ("li", None)
    assert who(schedule, datetime(2026, 12, 3, 22, tzinfo=SH)) == ("zhao", None)
    assert schedule.next_change(after_midnight) == datetime(2026, 12, 3, 14, tzinfo=UTC)


def test_the_server_in_utc_sees_the_teams_handover_in_shanghai() -> None:
    schedule = schedule_of(DAILY)
    # 01:30 UTC is 09:30 in Shanghai; the UTC date is the same, a UTC-clock server agrees.
    assert who(schedule, datetime(2026, 12, 2, 1, 29, 59, tzinfo=UTC)) == ("wang", None)
    assert who(schedule, datetime(2026, 12, 2, 1, 30, tzinfo=UTC)) == ("li", None)
    # The same instant written in New York time gives the same answer.
    assert who(schedule, datetime(2026, 12, 1, 20, 30, tzinfo=NY)) == ("li", None)
    with pytest.raises(ValueError, match="timezone-aware"):
        schedule.who_is_on_call(datetime(2026, 12, 2, 9, 30))  # noqa: DTZ001  (naive on purpose)


WEEKLY = """
[[oncall.rotations]]
name = "weekly"
people = ["wang", "li"]
handover = "09:00"
length = "7d"
start = "2026-11-30"

[[oncall.rotations]]
name = "backup"
people = ["li", "wang"]
handover = "09:00"
length = "7d"
start = "2026-11-30"
role = "secondary"
"""


def test_weekly_rotation_with_primary_and_secondary() -> None:
    schedule = schedule_of(WEEKLY)
    monday = datetime(2026, 12, 7, 9, tzinfo=SH)
    assert who(schedule, monday - timedelta(seconds=1)) == ("wang", "li")
    assert who(schedule, monday) == ("li", "wang")
    assert who(schedule, monday + timedelta(days=6, hours=23)) == ("li", "wang")
    assert who(schedule, monday + timedelta(days=7)) == ("wang", "li")
    assert schedule.who_is_on_call(monday).until == (monday + timedelta(days=7)).astimezone(UTC)


OVERRIDES = """
[[oncall.overrides]]
person = "zhao"
since = "2026-12-24 09:00"
until = 2026-12-26T09:00:00
role = "primary"

[[oncall.overrides]]
person = "wang"
since = "2026-12-28 12:00"
until = "2026-12-28 13:00"
role = "primary"

[[oncall.people]]
name = "zhao"
"""


def test_an_override_takes_precedence_for_its_date_range() -> None:
    schedule = schedule_of(WEEKLY + OVERRIDES)
    start = datetime(2026, 12, 24, 9, tzinfo=SH)
    assert who(schedule, start - timedelta(seconds=1)) == ("li", "wang")
    assert who(schedule, start) == ("zhao", "wang")
    now = schedule.who_is_on_call(start)
    assert now.until == datetime(2026, 12, 26, 1, tzinfo=UTC)  # the override's end
    assert who(schedule, datetime(2026, 12, 26, 9, tzinfo=SH)) == ("li", "wang")
    # 12-28 is wang's week already: that override changes nothing, so it is no change at all.
    assert who(schedule, datetime(2026, 12, 28, 12, 30, tzinfo=SH)) == ("wang", "li")
    assert schedule.next_change(datetime(2026, 12, 27, tzinfo=SH)) == datetime(
        2026, 12, 28, 1, tzinfo=UTC
    )
    assert schedule.next_change(datetime(2026, 12, 28, 10, tzinfo=SH)) == datetime(
        2027, 1, 4, 1, tzinfo=UTC
    )


def test_one_person_and_nothing_else_never_changes() -> None:
    schedule = schedule_of(DAILY.replace('["wang", "li", "zhao"]', '["wang"]'))
    assert schedule.who_is_on_call(datetime(2026, 12, 24, tzinfo=UTC)).until is None
    assert who(schedule_of(""), datetime(2026, 12, 24, tzinfo=UTC)) == (None, None)


NEW_YORK = """
[oncall]
timezone = "America/New_York"
[[oncall.rotations]]
name = "daily"
people = ["wang", "li"]
handover = "{time}"
length = "1d"
start = 2026-03-01
"""


def test_handover_keeps_the_local_time_across_dst_in_new_york() -> None:
    schedule = schedule_of(NEW_YORK.replace("{time}", "09:00"))
    # 2026-03-08 02:00 EST jumps to 03:00 EDT: the turn from the 7th is 23 hours long.
    saturday = datetime(2026, 3, 7, 14, tzinfo=UTC)  # 09:00 EST
    assert schedule.next_change(saturday) == datetime(2026, 3, 8, 13, tzinfo=UTC)  # 09:00 EDT
    assert who(schedule, datetime(2026, 3, 8, 12, 59, 59, tzinfo=UTC)) == ("wang", None)
    assert who(schedule, datetime(2026, 3, 8, 13, tzinfo=UTC)) == ("li", None)
    # 2026-11-01 02:00 EDT falls back to 01:00 EST: that turn is 25 hours long.
    october = datetime(2026, 10, 31, 13, tzinfo=UTC)  # 09:00 EDT
    assert schedule.next_change(october) == datetime(2026, 11, 1, 14, tzinfo=UTC)


def test_handover_in_a_dst_gap_or_fold_in_new_york() -> None:
    gap = schedule_of(NEW_YORK.replace("{time}", "02:30"))
    # 02:30 does not exist on 2026-03-08: the handover is at 03:30 EDT (07:30 UTC).
    assert gap.next_change(datetime(2026, 3, 8, 6, tzinfo=UTC)) == datetime(
        2026, 3, 8, 7, 30, tzinfo=UTC
    )
    # 03:00 EDT is past 02:30 on the wall clock but before that handover in real time.
    three = datetime(2026, 3, 8, 7, tzinfo=UTC)
    assert who(gap, three) == who(gap, three - timedelta(hours=1)) != who(gap, three + HALF)
    assert gap.next_change(three) == three + HALF
    fold = schedule_of(NEW_YORK.replace("{time}", "01:30"))
    # 01:30 happens twice on 2026-11-01: the handover is the first (EDT, 05:30 UTC) and
    # the second 01:30 does not hand over again.
    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert fold.next_change(first - timedelta(seconds=1)) == first
    assert who(fold, first) == who(fold, first + timedelta(hours=1))
    assert fold.next_change(first) == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)  # 01:30 EST


QUIET = """
[oncall.quiet]
enabled = true
weekdays = [1, 2, 3, 4, 5]
start = "09:00"
end = "18:00"
"""


def test_quiet_hours_follow_the_official_calendar() -> None:
    schedule = schedule_of(QUIET)
    quiet = schedule.in_quiet_hours
    assert not quiet(datetime(2026, 12, 3, 9, tzinfo=SH))  # a Thursday, 09:00
    assert quiet(datetime(2026, 12, 3, 8, 59, 59, tzinfo=SH))
    assert not quiet(datetime(2026, 12, 3, 17, 59, 59, tzinfo=SH))
    assert quiet(datetime(2026, 12, 3, 18, tzinfo=SH))
    assert quiet(datetime(2026, 12, 5, 10, tzinfo=SH))  # Saturday
    assert quiet(datetime(2026, 10, 1, 10, tzinfo=SH))  # National Day, a Thursday
    assert quiet(datetime(2026, 2, 17, 10, tzinfo=SH))  # Spring Festival, a Tuesday
    assert not quiet(datetime(2026, 9, 20, 10, tzinfo=SH))  # Sunday, a make-up working day
    assert not quiet(datetime(2026, 2, 14, 10, tzinfo=SH))  # Saturday, a make-up working day
    # 10:00 in Shanghai on a workday is 02:00 UTC: the server's zone does not matter.
    assert not quiet(datetime(2026, 12, 3, 2, tzinfo=UTC))


def test_quiet_hours_policy_switches_and_years_without_data() -> None:
    plain = schedule_of(QUIET + "holidays = false\nmakeup_workdays = false\n")
    assert not plain.in_quiet_hours(datetime(2026, 10, 1, 10, tzinfo=SH))
    assert plain.in_quiet_hours(datetime(2026, 9, 20, 10, tzinfo=SH))
    off = schedule_of(QUIET.replace("enabled = true", "enabled = false"))
    assert not off.in_quiet_hours(datetime(2026, 10, 1, 3, tzinfo=SH))
    assert not schedule_of("").in_quiet_hours(datetime(2026, 12, 5, 3, tzinfo=SH))
    # chinese_calendar has no 2027 data: only weekdays and hours count (errs toward paging).
    schedule = schedule_of(QUIET)
    assert not schedule.holidays_known(datetime(2027, 10, 1, tzinfo=SH))
    assert schedule.holidays_known(datetime(2026, 10, 1, tzinfo=SH))
    assert not schedule.in_quiet_hours(datetime(2027, 10, 1, 10, tzinfo=SH))  # a Friday


def test_config_errors_name_their_key_paths() -> None:
    # Checks across keys (zone, duplicates) run once every key binds: see the third case.
    problems = problems_of("""
[[oncall.rotations]]
name = "a"
people = []
handover = "25:00"
length = "1d"
start = "2026-13-01"
[[oncall.rotations]]
name = "b"
people = ["wang"]
length = "30s"
start = 2026-12-01T09:00:00
role = "tertiary"
[[oncall.overrides]]
person = "wang"
since = "2026-12-24 09:00"
until = "2026-12-24 08:00"
[oncall.quiet]
weekdays = [0, 7]
start = "18:00"
end = "09:00"
""")
    assert sorted(problems) == sorted(
        [
            'oncall.rotations[0].handover: must be a time of day such as "09:30", got "25:00"',
            'oncall.rotations[0].start: must be a date such as 2026-01-05 or "2026-01-05",'
            ' got "2026-13-01"',
            'oncall.rotations[1].start: must be a date such as 2026-01-05 or "2026-01-05",'
            " got 2026-12-01 09:00:00",
            'oncall.rotations[1].role: must be one of "primary", "secondary", got "tertiary"',
            "oncall.overrides[0].until: must be after since (2026-12-24 09:00)",
            "oncall.quiet.weekdays[0]: must be 1 (Monday) to 7, got 0",
            "oncall.quiet.end: must be after start (18:00)",
        ]
    )
    more = problems_of("""
[[oncall.rotations]]
name = "a"
people = []
start = 2026-12-01
[[oncall.rotations]]
name = "a"
people = ["wang", " "]
length = "30s"
start = 2026-12-01
""")
    assert sorted(more) == sorted(
        [
            "oncall.rotations[0].people: must name at least one person",
            "oncall.rotations[1].people[1]: must be a non-empty name",
            "oncall.rotations[1].length: must be at least 1m",
        ]
    )
    duplicates = problems_of("""
[oncall]
timezone = "Mars/Olympus"
[[oncall.rotations]]
name = "a"
people = ["wang"]
start = 2026-12-01
[[oncall.rotations]]
name = "a"
people = ["li"]
start = 2026-12-01
""")
    assert sorted(duplicates) == sorted(
        [
            "oncall.timezone: unknown time zone 'Mars/Olympus': use an IANA name such as"
            " 'Asia/Shanghai'",
            'oncall.rotations[1].name: "a" is already taken by rotations[0]',
            'oncall.rotations[1].role: "primary" is already taken by rotations[0]',
        ]
    )


def test_names_must_be_users_or_oncall_people() -> None:
    """check-config and run refuse a schedule naming somebody nobody knows."""
    assert problems_of(WEEKLY.replace('["wang", "li"]', '["wang", "nobody"]') + OVERRIDES) == [
        'oncall.rotations[0].people[1]: "nobody" is not a [[users]] name or an'
        " [[oncall.people]] name"
    ]
    assert problems_of(WEEKLY + OVERRIDES.replace('name = "zhao"', 'name = "zhou"')) == [
        'oncall.overrides[0].person: "zhao" is not a [[users]] name or an [[oncall.people]] name'
    ]
    assert check_people(config_of(WEEKLY + OVERRIDES)) == []


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def write(tmp_path: Path, toml: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(USERS + toml, "utf-8")
    return str(path)


def test_cli_prints_who_is_on_call_and_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, WEEKLY + OVERRIDES + QUIET)
    status, out, err = run_cli(capsys, "oncall", "--config", path, "--at", "2026-12-24 09:00")
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "值班表（Asia/Shanghai）  2026-12-24 09:00 周四",
        "主值班：zhao",
        "副值班：小王 (wang)",
        "值到：2026-12-26 09:00 周六",
        "下一班（2026-12-26 09:00 周六 起）：",
        "  主值班：李姐 (li)",
        "  副值班：小王 (wang)",
        "免打扰：否（工作时间）",
    ]
    # The same instant given in UTC; the output stays in the team's zone.
    status, out_utc, _ = run_cli(
        capsys, "oncall", "--config", path, "--at", "2026-12-24T01:00:00+00:00"
    )
    assert (status, out_utc) == (0, out)


def test_cli_edge_cases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, QUIET)
    status, out, _ = run_cli(capsys, "oncall", "--config", path, "--at", "2027-10-01 10:00")
    assert status == 0
    assert (
        out.splitlines()[1] == "未配置值班：在 config.toml 的 [oncall] 中添加 [[oncall.rotations]]"
    )
    path = write(tmp_path, WEEKLY + QUIET)
    status, out, _ = run_cli(capsys, "oncall", "--config", path, "--at", "2027-10-01 10:00")
    assert out.splitlines()[-1] == (
        "免打扰：否（工作时间）；注意：节假日数据不含这一年，只按星期和时段判断"
    )
    status, out, _ = run_cli(capsys, "oncall", "--config", path, "--at", "2026-10-01 10:00")
    assert out.splitlines()[-1] == "免打扰：是（国庆节，法定假日）"
    status, out, _ = run_cli(capsys, "oncall", "--config", path, "--at", "2026-12-05 10:00")
    assert out.splitlines()[-1] == "免打扰：是（非工作时间）"
    status, _, err = run_cli(capsys, "oncall", "--config", path, "--at", "tomorrow")
    assert status == 2 and "--at wants a local time" in err
    path = write(tmp_path, WEEKLY.replace('["wang", "li"]', '["wang", "nobody"]'))
    status, out, err = run_cli(capsys, "oncall", "--config", path)
    assert (status, out) == (2, "")
    assert 'oncall.rotations[0].people[1]: "nobody" is not a [[users]] name' in err


def test_cli_test_without_channels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, WEEKLY)
    status, out, err = run_cli(capsys, "oncall", "--config", path, "test", "dingtalk")
    assert (status, out) == (2, "")
    assert "no alert channel 'dingtalk' (channels: none configured)" in err


def test_the_default_config_has_an_empty_schedule() -> None:
    config: Any = config_of("")
    assert config.oncall.rotations == () and not config.oncall.quiet.enabled
    assert Schedule.from_config(config).zone.key == "Asia/Shanghai"
    assert schedule_of('[drafts]\ntimezone = "Europe/Berlin"\n').zone.key == "Europe/Berlin"


def test_native_toml_times_and_overrides_with_an_offset() -> None:
    schedule = schedule_of(
        DAILY.replace('"09:30"', "09:30:00")
        + """
[[oncall.overrides]]
person = "wang"
since = 2026-12-24T01:00:00Z
until = "2026-12-24T02:00:00+00:00"
"""
    )
    assert who(schedule, datetime(2026, 12, 2, 9, 30, tzinfo=SH)) == ("li", None)
    assert who(schedule, datetime(2026, 12, 24, 8, 59, 59, tzinfo=SH)) == ("li", None)
    assert who(schedule, datetime(2026, 12, 24, 9, tzinfo=SH)) == ("wang", None)
    assert who(schedule, datetime(2026, 12, 24, 10, tzinfo=SH)) == ("zhao", None)
    mixed = """
[[oncall.overrides]]
person = "wang"
since = 2026-12-24T01:00:00Z
until = "2026-12-24 10:00"
"""
    assert problems_of(mixed) == [
        "oncall.overrides[0].until: give both times with a UTC offset or neither"
    ]


def test_a_handle_that_could_not_be_mentioned_is_refused_at_load() -> None:
    problems = problems_of(
        '[[oncall.people]]\nname = "zhao"\nphone = "call me"\nwecom = "<@all>"\n'
        'email = "zhao@example.com"\n'
    )
    assert problems == [
        'oncall.people[0].phone: "call me" does not look like a phone handle: it could not'
        " be @-mentioned",
        'oncall.people[0].wecom: "<@all>" does not look like a wecom handle: it could not'
        " be @-mentioned",
    ]
