"""`[drafts.library]`: how long a sent reply settles, how many entries each intent keeps,
and how close a new mention must be to a past one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True, slots=True, kw_only=True)
class LibraryConfig:
    enabled: bool = True  # false: no candidates are recorded and no entry is proposed
    # A sent reply with no negative follow-up from the same person in its conversation
    # this long after it was sent becomes an entry.
    settle: timedelta = timedelta(hours=24)
    # Entries kept per intent, newest first (pinned ones are never dropped for room).
    keep: int = field(default=200, metadata={"gt": 0, "le": 10_000})
    # How much of a past mention a new one must match (BM25 score over the past mention's
    # score against itself) for its reply to be proposed.
    min_match: float = field(default=0.35, metadata={"gt": 0, "le": 1})
