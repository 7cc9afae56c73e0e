"""How a page names the people on duty, and the handles a channel may @-mention them by.

Every channel shows one line, "值班：小王 (wang)、小李 (li)", so whoever reads the page knows
who is on it; a channel that can @ a person puts its token after the name. Handles come
from `[[oncall.people]]`. One that does not look like a handle (spaces, markup, a newline)
is left out instead of sent, so a typo in the config can neither break the message nor
@ someone else: that person is still named, just not @-mentioned.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from responder.alerts.people import EMAIL, HANDLE, PHONE, Person


def unique(people: Iterable[Person]) -> tuple[Person, ...]:
    """Each person once (by name), in the order given: primary before secondary."""
    seen: set[str] = set()
    out: list[Person] = []
    for person in people:
        if person.name not in seen:
            seen.add(person.name)
            out.append(person)
    return tuple(out)


def distinct(values: Iterable[str]) -> list[str]:
    """Non-empty values, each once, first occurrence kept."""
    return list(dict.fromkeys(v for v in values if v))


def handle(value: str, shape: re.Pattern[str] = HANDLE) -> str:
    """`value` stripped if it has the shape of a handle, else ""."""
    value = value.strip()
    return value if shape.fullmatch(value) else ""


def name(person: Person) -> str:
    """The person's label on one line, without the angle brackets that chat markup reads
    as tags (<at …>, <@…>, <font>)."""
    return " ".join(person.label.replace("<", "").replace(">", "").split())


def duty_line(people: Iterable[Person], token: Callable[[Person], str] | None = None) -> str:
    """ "值班：小王 (wang) @wang、小李 (li)", or "" when nobody is named. `token` gives the
    channel's mention for a person ("" for none)."""
    parts = []
    for person in unique(people):
        mention = token(person) if token else ""
        parts.append(f"{name(person)} {mention}" if mention else name(person))
    return "值班：" + "、".join(parts) if parts else ""


__all__ = ["EMAIL", "HANDLE", "PHONE", "distinct", "duty_line", "handle", "name", "unique"]
