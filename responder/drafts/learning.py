"""What agents make of each draft template, and the ranking learned from it.

Each time an agent answers a mention that had drafts, every draft offered counts once for
its template, and the one used counts as sent as is or edited; the others as passed over.
The ranking is the share kept (an edit counts half) with a prior of one kept and one
passed over, plus a bonus that shrinks as a template is offered more (UCB), so a new or
rarely offered template still gets its turn among the three drafts.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass

OUTCOMES = ("offered", "as_is", "edited", "passed")
PRIOR_KEPT, PRIOR_PASSED = 1.0, 1.0
EXPLORE = 0.3
SIMILAR = 0.5  # an edited reply this close to a draft counts as an edit of it


@dataclass(frozen=True, slots=True, kw_only=True)
class Usage:
    """How an agent's reply relates to the drafts it was offered."""

    chosen: int | None  # the draft it started from, None if written from scratch
    edited: bool
    diff: str  # a unified diff from the draft to what was sent ("" when sent as is)

    def counts(self, templates: list[str]) -> dict[str, int]:
        """Return the counter increments (`template|outcome` → n) for the drafts offered."""
        out: dict[str, int] = {}
        for index, template in enumerate(templates):
            out[f"{template}|offered"] = out.get(f"{template}|offered", 0) + 1
            used = "edited" if self.edited else "as_is"
            outcome = used if index == self.chosen else "passed"
            out[f"{template}|{outcome}"] = out.get(f"{template}|{outcome}", 0) + 1
        return out


def usage(drafts: list[str], text: str, chosen: int | None) -> Usage:
    """Say which draft a reply came from (the one named, else the closest enough)."""
    if chosen is None and drafts:
        chosen = _closest(drafts, text)
    if chosen is None:
        return Usage(chosen=None, edited=True, diff="")
    draft = drafts[chosen]
    if draft == text:
        return Usage(chosen=chosen, edited=False, diff="")
    diff = "\n".join(difflib.unified_diff([draft], [text], "draft", "sent", lineterm="", n=0))
    return Usage(chosen=chosen, edited=True, diff=diff)


def _closest(drafts: list[str], text: str) -> int | None:
    """The first draft most like `text` if at least SIMILAR, else None.

    ratio() is the costly part of approving an edited reply; quick_ratio() bounds it
    from above, so a draft whose bound cannot reach SIMILAR or beat the best so far is
    skipped without changing the answer."""
    best, best_ratio = None, 0.0
    for index, draft in enumerate(drafts):
        matcher = difflib.SequenceMatcher(None, draft, text)
        floor = max(SIMILAR, best_ratio)
        if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
            continue
        ratio = matcher.ratio()
        if ratio >= floor and (best is None or ratio > best_ratio):
            best, best_ratio = index, ratio
    return best


def table(stats: Mapping[str, str]) -> dict[str, dict[str, int]]:
    """Turn the flat counter hash into template → outcome → count."""
    out: dict[str, dict[str, int]] = {}
    for field, value in stats.items():
        template, _, outcome = field.rpartition("|")
        if template and outcome in OUTCOMES:
            out.setdefault(template, dict.fromkeys(OUTCOMES, 0))[outcome] = int(value)
    return out


UNSEEN = "*"  # the ranking's key for the score of a template never offered yet


def ranking(stats: Mapping[str, str]) -> dict[str, float]:
    """Return each template's learned score (higher is offered first), and under UNSEEN
    the score of a template never offered."""
    counts = table(stats)
    total = sum(c["offered"] for c in counts.values())
    scores = {}
    for template, c in counts.items():
        kept = c["as_is"] + 0.5 * c["edited"] + PRIOR_KEPT
        mean = kept / (c["offered"] + PRIOR_KEPT + PRIOR_PASSED)
        scores[template] = mean + EXPLORE * math.sqrt(math.log(total + 1) / (c["offered"] + 1))
    prior = PRIOR_KEPT / (PRIOR_KEPT + PRIOR_PASSED)
    scores[UNSEEN] = prior + EXPLORE * math.sqrt(math.log(total + 1))
    return scores
