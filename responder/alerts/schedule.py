"""Who is on call at an instant, when that changes next, and whether it is quiet hours.

Pure: every answer is a function of the config and the instant passed in (no clock is
read), so the sweep, the notifier, the CLI and the tests can ask about any moment.
Handovers are wall-clock times in the team's zone: a 09:30 handover stays at 09:30 local
across a DST change, so that turn is an hour shorter or longer in real time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import chinese_calendar

from responder.alerts.oncall_config import ROLES, OncallConfig, Role, RotationConfig, unknown_people
from responder.alerts.people import Person
from responder.drafts.moments import TEAM_ZONE, day_facts, time_zone

if TYPE_CHECKING:
    from responder.accounts import UserConfig
    from responder.config import Config

_MAX_STEPS = 10_000  # boundaries looked at by next_change before it gives up


@dataclass(frozen=True, slots=True)
class OnCall:
    primary: Person | None
    secondary: Person | None
    until: datetime | None  # UTC instant of the next change; None if nothing ever changes

    @property
    def people(self) -> tuple[Person, ...]:
        """Primary then secondary, each once: what a Page's `to` takes."""
        found = [p for p in (self.primary, self.secondary) if p is not None]
        return tuple(p for i, p in enumerate(found) if p.name not in {q.name for q in found[:i]})


@dataclass(frozen=True, slots=True)
class _Override:
    since: datetime  # UTC
    until: datetime  # UTC
    person: str


class Schedule:
    """Answers questions about one `[oncall]` config in one time zone."""

    def __init__(
        self, oncall: OncallConfig, *, users: Iterable[UserConfig] = (), zone: str = TEAM_ZONE
    ) -> None:
        self.config = oncall
        self.zone: ZoneInfo = time_zone(oncall.timezone or zone)
        self._people = {u.name: Person(name=u.name, display=u.display) for u in users}
        for p in oncall.people:
            display = p.display or getattr(self._people.get(p.name), "display", "")
            self._people[p.name] = Person(
                name=p.name,
                display=display,
                phone=p.phone,
                email=p.email,
                dingtalk=p.dingtalk,
                wecom=p.wecom,
                feishu=p.feishu,
            )
        self._rotations = {r.role: r for r in oncall.rotations}
        self._overrides: dict[Role, list[_Override]] = {role: [] for role in ROLES}
        for o in oncall.overrides:
            since, until = self._utc(o.since), self._utc(o.until)
            self._overrides[o.role].append(_Override(since, until, o.person))

    @classmethod
    def from_config(cls, config: Config) -> Schedule:
        """The schedule of a whole config: its users, and the drafts zone unless set."""
        return cls(config.oncall, users=config.users, zone=config.drafts.timezone)

    def who_is_on_call(self, at: datetime) -> OnCall:
        """Primary and secondary at the aware instant `at`, and until when that holds."""
        at = _aware(at)
        primary, secondary = self._names(at)
        return OnCall(self._person(primary), self._person(secondary), self.next_change(at))

    def next_change(self, at: datetime) -> datetime | None:
        """The first instant after `at` when the primary or secondary differs (UTC)."""
        at = _aware(at)
        now = self._names(at)
        for _ in range(_MAX_STEPS):
            candidates = self._boundaries_after(at)
            if not candidates:
                return None
            at = min(candidates)
            if self._names(at) != now:
                return at
        return None

    def in_quiet_hours(self, at: datetime) -> bool:
        """True outside business hours when `[oncall.quiet]` is enabled; never otherwise.

        Official days off are quiet and make-up working days are business days, per the
        config. For a year chinese_calendar has no data for, only weekdays and hours
        count: an official day off then pages as a working day would (errs toward paging).
        """
        quiet = self.config.quiet
        if not quiet.enabled:
            return False
        local = _aware(at).astimezone(self.zone)
        _, holiday, makeup = day_facts(local.date())
        working = local.isoweekday() in quiet.weekdays
        if quiet.holidays and holiday:
            working = False
        if quiet.makeup_workdays and makeup:
            working = True
        return not (working and quiet.start <= local.time().replace(tzinfo=None) < quiet.end)

    def holidays_known(self, at: datetime) -> bool:
        """Whether the official holiday calendar covers the local year of `at`."""
        year = _aware(at).astimezone(self.zone).year
        try:
            chinese_calendar.get_holiday_detail(date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def _names(self, at: datetime) -> tuple[str | None, str | None]:
        return self._name(ROLES[0], at), self._name(ROLES[1], at)

    def _name(self, role: Role, at: datetime) -> str | None:
        for o in reversed(self._overrides[role]):  # the later override wins where they overlap
            if o.since <= at < o.until:
                return o.person
        rotation = self._rotations.get(role)
        if rotation is None:
            return None
        return rotation.people[self._turn(rotation, at) % len(rotation.people)]

    def _boundaries_after(self, at: datetime) -> list[datetime]:
        found = [
            self._handover(r, self._turn(r, at) + 1)
            for r in self._rotations.values()
            if len(set(r.people)) > 1
        ]
        for overrides in self._overrides.values():
            found += [t for o in overrides for t in (o.since, o.until) if t > at]
        return found

    def _turn(self, rotation: RotationConfig, at: datetime) -> int:
        """The index of the turn holding `at`: handover(k) <= at < handover(k + 1)."""
        anchor = datetime.combine(rotation.start, rotation.handover)
        wall = at.astimezone(self.zone).replace(tzinfo=None)
        turn = (wall - anchor) // rotation.length  # right but for DST shifts, fixed below
        while self._handover(rotation, turn) > at:
            turn -= 1
        while self._handover(rotation, turn + 1) <= at:
            turn += 1
        return turn

    def _handover(self, rotation: RotationConfig, turn: int) -> datetime:
        wall = datetime.combine(rotation.start, rotation.handover) + turn * rotation.length
        return self._utc(wall)

    def _utc(self, local: datetime) -> datetime:
        """A local wall time (or an aware one) as UTC; in a DST gap it moves forward."""
        if local.tzinfo is None:
            local = local.replace(tzinfo=self.zone)
        return local.astimezone(UTC)

    def _person(self, name: str | None) -> Person | None:
        if name is None:
            return None
        return self._people.get(name) or Person(name=name)


def check_people(config: Config) -> list[str]:
    """Each rotation or override name that is neither a `[[users]]` login nor an
    `[[oncall.people]]` entry, as `key.path: message` (config errors' style)."""
    return unknown_people(config.oncall, {u.name for u in config.users})


def _aware(at: datetime) -> datetime:
    if at.utcoffset() is None:
        raise ValueError(f"the schedule needs a timezone-aware datetime, got naive {at!r}")
    return at.astimezone(UTC)


__all__ = ["OnCall", "Person", "Schedule", "check_people"]
