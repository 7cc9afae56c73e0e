"""The library as the scoring workers hold it: entries by intent and tone with a BM25
index (rank_bm25) over the jieba words of the mentions they answered, and the one draft
an entry proposes for a new mention.

The pipeline writes a snapshot file whenever the library's version changes and hands its
workers a `Ref` with each batch; a worker loads the file only when the version is new to
it, so a batch costs a version compare (responder/library/share.py)."""

from __future__ import annotations

import copy
import json
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Plus  # type: ignore[import-untyped]  # no stubs

from responder.drafts.data import default_lexicon
from responder.drafts.tokens import tokenize
from responder.library.pattern import Values, fill, match_text

log = logging.getLogger(__name__)
MIN_TERMS = 2  # words a new mention must share with a past one, at the least
# Words that say nothing of what a mention is about.
_STOP = frozenset(
    (
        *"的了吗呢啊呀吧哦哈嘛么我你他她们是在也都就还又和与有，。！？、：；~～…,.!?:;",
        *("怎么", "什么", "一下", "这个", "那个", "一个", "可以", "我们", "你们"),
    )
)


@dataclass(frozen=True, slots=True)
class Ref:
    """Which library snapshot a batch is drafted with (plain values: it crosses processes)."""

    version: int
    path: str  # the snapshot file (JSON) on this host
    min_match: float = 0.35


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One entry as the workers need it."""

    id: str
    intent: str
    tone: str
    lang: str
    mention: str  # the past mention, slots left in
    reply: str  # the reply pattern
    pinned: bool = False

    @property
    def template(self) -> str:
        return f"library/{self.id}"


@dataclass(frozen=True, slots=True)
class Proposal:
    """An entry found for a mention and the reply it makes, facts filled in."""

    entry: Entry
    text: str
    score: float  # the mention's BM25 score over the past mention's score against itself


def words(text: str) -> list[str]:
    """The jieba words of a text that say what it is about (slots left out). A new
    mention's own facts (its order number, its product) are words no stored mention has,
    as those are slots there: they match nothing."""
    tokens = tokenize(match_text(text), default_lexicon()).tokens
    return [t for t in tokens if t.strip() and t not in _STOP]


class Shelf:
    """Entries grouped by (intent, tone), each group with its BM25 index."""

    def __init__(
        self,
        entries: Sequence[Entry],
        *,
        ref: Ref | None = None,
        min_match: float = 0.35,
        before: Shelf | None = None,
    ) -> None:
        """`before`: the shelf this one follows; a group whose past mentions did not change
        (a pin, a retirement elsewhere) keeps its index instead of building it again."""
        self.ref, self.min_match = ref, (ref.min_match if ref else min_match)
        self.groups: dict[tuple[str, str], _Group] = {}
        grouped: dict[tuple[str, str], list[Entry]] = {}
        for entry in entries:
            grouped.setdefault((entry.intent, entry.tone), []).append(entry)
        for key, members in grouped.items():
            old = before.groups.get(key) if before is not None else None
            same = old is not None and old.signature == _signature(members)
            self.groups[key] = old.with_entries(members) if old and same else _Group(members)

    def __len__(self) -> int:
        return sum(len(g.entries) for g in self.groups.values())

    def find(
        self, text: str, *, intent: str, tone: str, lang: str, values: Values
    ) -> Iterator[Proposal]:
        """Entries of this intent and tone close enough to the mention, best first (pinned
        ones before the rest), each with its reply filled; entries whose slots the mention
        cannot fill are left out. `text`: the mention with its own facts as slots."""
        group = self.groups.get((intent, tone))
        if group is None:
            return
        close = [
            (entry, score)
            for entry, score in group.search(words(text))
            if score >= self.min_match and entry.lang == lang
        ]
        close.sort(key=lambda found: (not found[0].pinned, -found[1], found[0].id))
        for entry, score in close:
            filled = fill(entry.reply, values)
            if filled:
                yield Proposal(entry=entry, text=filled, score=round(score, 3))


def _signature(entries: list[Entry]) -> tuple[tuple[str, str], ...]:
    return tuple((e.id, e.mention) for e in entries)


class _Group:
    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.signature = _signature(entries)
        documents = [words(e.mention) or ["\x00"] for e in entries]
        self.documents = [set(d) for d in documents]
        index = BM25Plus(documents, delta=0)  # delta 0: a word not there adds nothing
        # BM25 adds up over the query's words: each word's scores over the entries, from
        # rank_bm25 once here, make a search a few additions (as the knowledge base does).
        self.weights = {t: index.get_scores([t]) for t in index.idf}
        # A past mention's score against itself: what a new one's score is a share of.
        self.selves = np.array(
            [sum(float(self.weights[t][i]) for t in d) for i, d in enumerate(self.documents)]
        )

    def with_entries(self, entries: list[Entry]) -> _Group:
        """The same index over the same past mentions, with their entries as they are now
        (pinned or not)."""
        group = copy.copy(self)
        group.entries = entries
        return group

    def search(self, query: list[str]) -> list[tuple[Entry, float]]:
        terms = [t for t in dict.fromkeys(query) if t in self.weights]
        if len(terms) < MIN_TERMS:
            return []
        scores = sum(self.weights[t] for t in terms)
        shared = sum((self.weights[t] > 0).astype(int) for t in terms)  # words in common
        shares = np.divide(scores, self.selves, out=np.zeros_like(scores), where=self.selves > 0)
        found = np.flatnonzero((shared >= MIN_TERMS) & (shares > 0))
        return [(self.entries[i], min(1.0, float(shares[i]))) for i in found]


def entry_of(row: Mapping[str, str]) -> Entry:
    """An entry from its Redis hash (or a snapshot row)."""
    return Entry(
        id=row["id"],
        intent=row.get("intent", ""),
        tone=row.get("tone", ""),
        lang=row.get("lang", "zh"),
        mention=row.get("mention", ""),
        reply=row.get("reply", ""),
        pinned=row.get("state") == "pinned",
    )


def write_snapshot(path: Path, rows: Sequence[Mapping[str, str]]) -> None:
    """Write the rows a Shelf is made of (what the workers load)."""
    keep = ("id", "intent", "tone", "lang", "mention", "reply", "state")
    data = [{k: row.get(k, "") for k in keep} for row in rows]
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    temporary.replace(path)


def read_snapshot(ref: Ref, before: Shelf | None = None) -> Shelf:
    rows = json.loads(Path(ref.path).read_text(encoding="utf-8"))
    return Shelf([entry_of(r) for r in rows], ref=ref, before=before)


# -- in a scoring worker ---------------------------------------------------------
_lock = threading.Lock()
_current: list[Shelf | None] = [None]
_refused: set[Ref] = set()


def use(ref: Ref | None) -> Shelf | None:
    """The shelf of `ref`, loaded if its version is new here (None: no library)."""
    if ref is None:
        return None
    shelf = _current[0]
    if shelf is not None and shelf.ref == ref:
        return shelf
    if ref in _refused:
        return None
    with _lock:
        try:
            loaded = read_snapshot(ref, shelf)
        except (OSError, ValueError, KeyError) as exc:
            # The shelf held may have an entry retired since: no library draft until the
            # next snapshot loads.
            log.error("library_snapshot_refused version=%d path=%s: %s", ref.version, ref.path, exc)
            _refused.add(ref)
            _current[0] = None
            return None
        _current[0] = loaded
    log.info("library_loaded version=%d entries=%d", ref.version, len(loaded))
    return loaded
