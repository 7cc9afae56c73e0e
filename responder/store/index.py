"""The queue's views, filters and keyword search, answered from an index in memory.

Each web process keeps one `QueueIndex` of the open conversations (the queue ZSETs'
members): per facet (platform, account, kind, intent and sentiment as shown, state) a
set of ids, a set per character of what a keyword searches (text, author name, the
follow-ups' texts), the claimed ones, and both queue orders. A query is set
intersections plus a short walk of the chosen order, all in this process: Redis serves
only the page's read. What keeps the index true is store/index_sync.py.

Memory: ~1.3 KB a pending mention in the web process (bench/queue_api.py prints it).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, fields
from datetime import datetime
from itertools import islice
from typing import TypeVar

from sortedcontainers import SortedKeyList

# Filters on the value the team sees: an agent's correction, else the model's.
SHOWN = {
    "platform": ("platform", ""),
    "account": ("account", ""),
    "kind": ("kind", ""),
    "intent": ("intent_corrected", "intent"),
    "sentiment": ("sentiment_corrected", "sentiment_label"),
    "state": ("state", ""),
}
SORTS = ("deadline", "priority")
K = TypeVar("K")
SORTED_AT_MOST = 4096  # matches this few are sorted; more are found by walking the order


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueFilter:
    """What a queue view asks for; "" means any."""

    view: str = "all"  # all, mine (claimed by `user`), unassigned (no unexpired claim)
    user: str = ""
    platform: str = ""
    account: str = ""
    kind: str = ""
    intent: str = ""  # as shown: the agent's correction if there is one
    sentiment: str = ""  # as shown: the agent's correction if there is one
    state: str = ""  # queued, failed, open (both); "" is open too
    q: str = ""  # a keyword: text, author name or a follow-up's text

    def active(self) -> bool:
        """Whether anything narrows the queue (else the plain page read serves it)."""
        return (
            self.view != "all"
            or any(
                getattr(self, f.name)
                for f in fields(self)
                if f.name not in ("view", "user", "state")
            )
            or self.state not in ("", "open")
        )


@dataclass(frozen=True, slots=True)
class Row:
    """What the index keeps of one open conversation."""

    facets: tuple[str, ...]  # in SHOWN's order
    claimed_by: str
    claim_until: float
    author: str  # platform and author id: the same person's open mentions
    words: str  # what a keyword searches, folded (fold())
    scores: tuple[float, float]  # in the queue (by deadline) and the priority order


def fold(text: str) -> str:
    """Lowercase ASCII only (as the search always has): 'X7' finds 'x7', 卡 stays 卡."""
    return "".join(c.lower() if c.isascii() else c for c in text)


class QueueIndex:
    """The open conversations, indexed for the queue's filters and keyword search."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self._facets: dict[tuple[int, str], set[str]] = {}
        self._chars: dict[str, set[str]] = {}
        self._claims = SortedKeyList(key=lambda mid: self.rows[mid].claim_until)
        self._authors: dict[str, set[str]] = {}
        self._orders = tuple(SortedKeyList(key=self._key(i)) for i in range(len(SORTS)))

    def _key(self, i: int) -> Callable[[str], tuple[float, str]]:
        rows = self.rows
        return lambda mid: (rows[mid].scores[i], mid)

    def clear(self) -> None:
        for mid in list(self.rows):
            self._drop(mid)

    def put(self, mid: str, row: Row | None) -> None:
        """Set what the index knows of `mid` (None: it is no open conversation now)."""
        self._drop(mid)
        if row is None:
            return
        self.rows[mid] = row
        for i, value in enumerate(row.facets):
            self._facets.setdefault((i, value), set()).add(mid)
        for char in set(row.words):
            self._chars.setdefault(char, set()).add(mid)
        if row.claimed_by:
            self._claims.add(mid)
        self._authors.setdefault(row.author, set()).add(mid)
        for order in self._orders:
            order.add(mid)

    def _drop(self, mid: str) -> None:
        row = self.rows.get(mid)
        if row is None:
            return
        for order in self._orders:
            order.remove(mid)  # before the row goes: the orders' keys read it
        if row.claimed_by:
            self._claims.remove(mid)
        del self.rows[mid]
        for i, value in enumerate(row.facets):
            _discard(self._facets, (i, value), mid)
        for char in set(row.words):
            _discard(self._chars, char, mid)
        _discard(self._authors, row.author, mid)

    def by_author(self, author: str) -> list[str]:
        """The open conversations of one person (platform and author id), by deadline."""
        return sorted(self._authors.get(author, ()), key=lambda mid: self.rows[mid].scores[0])

    def find(
        self, want: QueueFilter, limit: int, offset: int, *, by: str, now: datetime
    ) -> tuple[int, list[str]]:
        """Return (how many open conversations match, the ids of the page), in order."""
        base, held = self._matching(want, now.timestamp())
        held = {mid for mid in held if mid in base}
        total = len(base) - len(held)
        end = offset + limit
        order = SORTS.index(by) if by in SORTS else 0
        if total <= SORTED_AT_MOST:
            found = set(base).difference(held)
            ranked = sorted(found, key=lambda mid: (self.rows[mid].scores[order], mid))
            return total, ranked[offset:end]
        walked = (mid for mid in self._orders[order] if mid in base and mid not in held)
        return total, list(islice(walked, offset, end))

    def _matching(self, want: QueueFilter, now: float) -> tuple[Collection[str], set[str]]:
        """What matches `want`, as what to take and what of it to leave out (the claimed
        ones for the unassigned view, so that view never copies the whole queue)."""
        sets: list[set[str]] = []
        state = "" if want.state == "open" else want.state
        for i, name in enumerate(SHOWN):
            value = state if name == "state" else str(getattr(want, name))
            if value:
                sets.append(self._facets.get((i, value), set()))
        q = fold(want.q)
        sets += (self._chars.get(char, set()) for char in set(q))
        if want.view == "mine":
            sets.append(self._held(now, want.user))
        base: Collection[str] = _intersect(sets) if sets else self.rows
        if len(q) > 1:  # every character is there; in that order?
            base = {mid for mid in base if q in self.rows[mid].words}
        return base, self._held(now) if want.view == "unassigned" else set()

    def _held(self, now: float, who: str = "") -> set[str]:
        """The conversations under an unexpired claim (by `who` only, if given)."""
        live = self._claims.irange_key(min_key=now, inclusive=(False, True))
        return {mid for mid in live if not who or self.rows[mid].claimed_by == who}


def _intersect(sets: list[set[str]]) -> set[str]:
    ordered = sorted(sets, key=len)
    return ordered[0].intersection(*ordered[1:])


def _discard(index: dict[K, set[str]], key: K, mid: str) -> None:
    found = index.get(key)
    if found is not None:
        found.discard(mid)
        if not found:
            del index[key]
