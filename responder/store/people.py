"""Who wrote a mention, as the customer's history knows them: an account (a platform and
its author id) and where a closed mention of theirs is indexed.

The index is written only when a mention closes (store.Store.close, noreply.SET_ASIDE):
one ZADD to the account's `keys.history` ZSET, trimmed to HISTORY_KEPT, with the closed
mentions' retention. A pending mention has no entry there (bench/queue_api.py measures
memory per pending mention), and a mention the pipeline set aside as 无需回复 when it
took it in has none either (that is taking in); an agent's setting one aside does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from responder.store.keys import Keys

HISTORY_KEPT = 50  # newest closed mentions kept per account
ACCOUNT_FIELDS = ("platform", "author_id", "created_at")  # what a Mark is made of
MAX_ID = 128  # characters of an author id (platform ids are far shorter)


@dataclass(frozen=True, slots=True, order=True)
class Account:
    """One author on one platform (any of the brand's accounts there)."""

    platform: str
    author_id: str

    @property
    def member(self) -> str:
        """How a `keys.linked` SET names it."""
        return f"{self.platform}:{self.author_id}"

    @classmethod
    def parse(cls, member: str) -> Account:
        platform, _, author = member.partition(":")
        return cls(platform, author)

    def history(self, keys: Keys) -> str:
        return keys.history(self.platform, self.author_id)

    def linked(self, keys: Keys) -> str:
        return keys.linked(self.platform, self.author_id)

    def as_json(self) -> dict[str, str]:
        return {"platform": self.platform, "author_id": self.author_id}


@dataclass(frozen=True, slots=True)
class Mark:
    """Where closing a mention indexes it: its author's history ZSET and its score (the
    time it was written, epoch seconds as stored)."""

    key: str
    score: str


def mark_of(keys: Keys, row: Mapping[str, str]) -> Mark | None:
    """The Mark of a mention read with ACCOUNT_FIELDS, or None when it has no author to
    index it under (or is unknown)."""
    platform, author, created = (row.get(f, "") for f in ACCOUNT_FIELDS)
    if not (platform and author and created):
        return None
    try:
        float(created)
    except ValueError:
        return None
    return Mark(keys.history(platform, author), created)
