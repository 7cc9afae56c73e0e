"""Which knowledge-base entry a draft quotes: what the reports count an entry's drafts by.

A draft uses an entry when it quotes the entry's answer (or its English answer) word for
word, as every template that answers from the knowledge base does. Telling it from the
text, when a draft is approved, keeps the pending mention's hash as it is (its memory is
counted in bytes: README "Memory per pending mention")."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from responder.drafts.knowledge import Entry, load_entries


class Quotes:
    """The knowledge base's answers, to find the entry a text quotes."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = tuple(entries)
        # The longer answer first: one that holds another (rare) is the one quoted.
        self._answers = sorted(
            ((answer, e.id) for e in self.entries for answer in (e.answer, e.answer_en) if answer),
            key=lambda pair: -len(pair[0]),
        )

    def entry_of(self, text: str) -> str:
        """The id of the entry whose answer `text` quotes ("" for none)."""
        return next((ident for answer, ident in self._answers if answer in text), "")

    def titles(self) -> dict[str, tuple[str, str]]:
        """Each entry's title and the first way people ask it, by id."""
        return {e.id: (e.title, e.questions[0] if e.questions else "") for e in self.entries}


def load_quotes(path: Path) -> Quotes:
    """The quotes of a knowledge file (KnowledgeError if it is broken)."""
    return Quotes(load_entries(path))
