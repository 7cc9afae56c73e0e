"""`[oncall]` in config.toml: rotations, overrides, contact handles and quiet hours.

Names in rotations and overrides are `[[users]]` logins or `[[oncall.people]]` entries;
that cross-check needs the users too: `unknown_people`, run by `config.parse`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

from responder.accounts import UserProblems
from responder.alerts.people import SHAPES
from responder.schema import show

Role = Literal["primary", "secondary"]
ROLES: tuple[Role, ...] = ("primary", "secondary")


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonConfig:
    """Someone who is paged but does not log in, with the handles each channel @-mentions."""

    name: str = field(metadata={"nonempty": True})
    display: str = ""  # shown in pages and `tiexin oncall`, e.g. 小王
    phone: str = ""
    email: str = ""
    dingtalk: str = ""  # DingTalk user id (or the phone the robot @-mentions)
    wecom: str = ""  # WeCom user id
    feishu: str = ""  # Feishu open_id

    def __post_init__(self) -> None:
        problems = [
            (key, f"{show(value)} does not look like a {key} handle: it could not be @-mentioned")
            for key, shape in SHAPES.items()
            if (value := getattr(self, key).strip()) and not shape.fullmatch(value)
        ]
        if problems:
            raise UserProblems(problems)


@dataclass(frozen=True, slots=True, kw_only=True)
class RotationConfig:
    """People take turns of `length`, handing over at `handover` (local time); the first
    person's turn began on `start`. Turns repeat in both directions from there."""

    name: str = field(metadata={"nonempty": True})
    people: tuple[str, ...]
    handover: time = time(9, 0)
    length: timedelta = timedelta(days=7)
    start: date
    role: Role = "primary"

    def __post_init__(self) -> None:
        problems: list[tuple[str, str]] = []
        if not self.people:
            problems.append(("people", "must name at least one person"))
        for index, name in enumerate(self.people):
            if not name.strip():
                problems.append((f"people[{index}]", "must be a non-empty name"))
        if self.length < timedelta(minutes=1):
            problems.append(("length", "must be at least 1m"))
        if self.handover.tzinfo is not None:
            problems.append(("handover", "is a local time of day: leave out the UTC offset"))
        if problems:
            raise UserProblems(problems)


@dataclass(frozen=True, slots=True, kw_only=True)
class OverrideConfig:
    """`person` takes `role` from `since` until just before `until` (local date-times;
    `from` would read better but is a Python keyword)."""

    person: str = field(metadata={"nonempty": True})
    since: datetime
    until: datetime
    role: Role = "primary"

    def __post_init__(self) -> None:
        if (self.since.tzinfo is None) != (self.until.tzinfo is None):
            raise UserProblems([("until", "give both times with a UTC offset or neither")])
        if self.until <= self.since:
            raise UserProblems([("until", f"must be after since ({self.since:%Y-%m-%d %H:%M})")])


@dataclass(frozen=True, slots=True, kw_only=True)
class QuietConfig:
    """Business hours: outside them is quiet. Off by default (the promise is 24x7)."""

    enabled: bool = False
    weekdays: tuple[int, ...] = (1, 2, 3, 4, 5)  # ISO: 1 = Monday ... 7 = Sunday
    start: time = time(9, 0)
    end: time = time(18, 0)
    holidays: bool = True  # official days off (国庆, 春节 ...) are quiet all day
    makeup_workdays: bool = True  # official make-up working days (调休上班) are business days

    def __post_init__(self) -> None:
        problems: list[tuple[str, str]] = []
        for index, day in enumerate(self.weekdays):
            if not 1 <= day <= 7:
                problems.append((f"weekdays[{index}]", f"must be 1 (Monday) to 7, got {day}"))
        if self.end <= self.start:
            problems.append(("end", f"must be after start ({self.start:%H:%M})"))
        if problems:
            raise UserProblems(problems)


@dataclass(frozen=True, slots=True, kw_only=True)
class OncallConfig:
    timezone: str = ""  # "": the drafts timezone (Asia/Shanghai unless set)
    people: tuple[PersonConfig, ...] = ()
    rotations: tuple[RotationConfig, ...] = ()
    overrides: tuple[OverrideConfig, ...] = ()
    quiet: QuietConfig = QuietConfig()

    def __post_init__(self) -> None:
        from responder.drafts.moments import time_zone

        problems: list[tuple[str, str]] = []
        if self.timezone:
            try:
                time_zone(self.timezone)
            except ValueError as exc:
                problems.append(("timezone", str(exc)))
        _unique(problems, "people", [p.name for p in self.people], "name")
        _unique(problems, "rotations", [r.name for r in self.rotations], "name")
        _unique(problems, "rotations", [r.role for r in self.rotations], "role")
        if problems:
            raise UserProblems(problems)


def _unique(problems: list[tuple[str, str]], table: str, values: list[str], key: str) -> None:
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            problems.append(
                (
                    f"{table}[{index}].{key}",
                    f"{show(value)} is already taken by {table}[{seen[value]}]",
                )
            )
        seen.setdefault(value, index)


def unknown_people(oncall: OncallConfig, users: set[str]) -> list[str]:
    """Each rotation or override name that is neither a login in `users` nor an
    `[[oncall.people]]` entry, as `key.path: message` (config errors' style)."""
    known = users | {p.name for p in oncall.people}
    problems: list[str] = []
    hint = "is not a [[users]] name or an [[oncall.people]] name"
    for index, rotation in enumerate(oncall.rotations):
        for slot, name in enumerate(rotation.people):
            if name not in known:
                problems.append(f'oncall.rotations[{index}].people[{slot}]: "{name}" {hint}')
    for index, override in enumerate(oncall.overrides):
        if override.person not in known:
            problems.append(f'oncall.overrides[{index}].person: "{override.person}" {hint}')
    return problems
