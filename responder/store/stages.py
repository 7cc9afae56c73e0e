"""A mention's alert stages: one name each, and the one place their key-name word lives.

A stage fires under its event name (warned, breached, escalated): the type of the event
in the mention's log, the `stage` of its alerts-stream entry, the middle of its page key
(mention:warned:1). Key names written before these names settled use the bare word
(`due:warn`, `alert:open:warn`); existing deployments hold data under them, so they stay,
and `Stage.word` is the only place that spelling is defined.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """An alert stage, as it fires."""

    WARNED = "warned"  # the response timer is near its end
    BREACHED = "breached"  # it ran out
    ESCALATED = "escalated"  # breached and nobody acknowledged the page
    CRISIS = "crisis"  # a crisis was queued: paged at once, never timed

    @property
    def word(self) -> str:
        """The stage in key names: due:warn, alert:open:warn."""
        return _WORDS[self]

    @classmethod
    def read(cls, value: str) -> Stage | None:
        """The stage a stored value names, in either spelling (groups opened before this
        name settled say "warn"); None for anything else."""
        for stage in cls:
            if value in (stage.value, _WORDS[stage]):
                return stage
        return None


# The stages the sweep fires from their due ZSETs, in the order they come.
TIMED = (Stage.WARNED, Stage.BREACHED, Stage.ESCALATED)

_WORDS = {
    Stage.WARNED: "warn",
    Stage.BREACHED: "breach",
    Stage.ESCALATED: "escalate",
    Stage.CRISIS: "crisis",
}
