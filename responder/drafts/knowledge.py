"""The brand's knowledge base (templates/drafts/kb.toml): FAQ entries with the ways people
ask and the facts that answer, found for a mention by BM25 (rank_bm25) over character
bigrams and Latin words. How-to and policy drafts answer from the entry found; when none
fits, they say honestly that we will find out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rank_bm25 import BM25Okapi  # type: ignore[import-untyped]  # no stubs

from responder.drafts.data import ALL_INTENTS, read_table
from responder.drafts.tokens import fold

_LATIN = re.compile(r"[a-z0-9]+(?:[.'-][a-z0-9]+)*")
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_INNER_END = re.compile(r"[。！？!?]")  # a sentence end inside an answer
MIN_SCORE = 9.0  # BM25 score under which an entry does not answer the mention
# An English mention matches on fewer, longer words (and must name the entry's topic word,
# responder.drafts.english): its floor is lower.
MIN_SCORE_EN = 4.0
# An entry of another intent answers instead when it scores at least this, and at least
# ANYWHERE_RATIO times the best of the mention's own intents: "7天无理由从哪天算" read as
# shipping is still answered by the returns entry.
ANYWHERE_SCORE = 13.5
ANYWHERE_RATIO = 2.0
MAX_ANSWER = 120  # characters: an answer must fit a Weibo comment beside a greeting
MAX_ANSWER_EN = 200  # the same for the English answer (Latin letters count half on Weibo)


class KnowledgeError(ValueError):
    """A knowledge file that cannot be used; the message names the file and every entry."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One FAQ entry: what it is called in a reply, how people ask, the facts that answer."""

    id: str
    title: str  # what a draft calls the topic: "换机", "价保"
    intents: tuple[str, ...]  # the intents it may answer
    questions: tuple[str, ...]
    answer: str  # the brand's facts, quoted as they are
    answer_en: str = ""  # the same facts in English, for an English mention
    questions_en: tuple[str, ...] = ()  # the ways people ask in English
    device: str = ""  # the device it is about ([devices]: 手表): answers only a mention naming it


@dataclass(frozen=True, slots=True)
class Hit:
    """An entry found for a mention, its score and the terms that matched."""

    entry: Entry
    score: float
    matched: tuple[str, ...]


def terms(text: str, stop: frozenset[str] = frozenset()) -> list[str]:
    """Character bigrams of each run of Chinese (a lone character as itself) and the
    Latin words, lower case, less the `stop` words: no segmenter to disagree with the
    phrasings."""
    folded = fold(text)
    out = _LATIN.findall(folded)
    for run in _HAN.findall(folded):
        out += [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
    return [t for t in out if t not in stop]


class Knowledge:
    """The entries of a knowledge file and their BM25 index."""

    def __init__(
        self,
        entries: Sequence[Entry],
        stop: Iterable[str] = (),
        weak: Iterable[str] = (),
        devices: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.entries = tuple(entries)
        # Each device's words, and the entries about it: those answer only a text naming it.
        self.devices = {
            d: re.compile("|".join(re.escape(fold(w)) for w in ws))
            for d, ws in (devices or {}).items()
        }
        self.bound = {
            d: np.array([i for i, e in enumerate(self.entries) if e.device == d], dtype=np.intp)
            for d in self.devices
        }
        self.stop = frozenset(fold(w) for w in stop)
        self.weak = frozenset(t for w in weak for t in terms(w, self.stop))
        self.by_intent: dict[str, list[int]] = {}
        self._by_intents: dict[tuple[str, ...], Any] = {}
        for i, entry in enumerate(self.entries):
            for intent in entry.intents:
                self.by_intent.setdefault(intent, []).append(i)
        documents = [
            terms(" ".join((e.title, *e.questions, *e.questions_en)), self.stop)
            for e in self.entries
        ]
        self.documents = [set(d) for d in documents]
        self.index = BM25Okapi(documents) if documents else None
        # BM25 adds up over the query's terms: each term's scores over every entry, worked
        # out by rank_bm25 once here, make a search a few additions.
        self.weights = {t: self.index.get_scores([t]) for t in self.index.idf} if self.index else {}

    def search(self, text: str, intents: Iterable[str] = (), limit: int = 3) -> list[Hit]:
        """The best entries for a text, best first; only entries of `intents` when given."""
        wanted = list(intents)
        allowed = sorted({i for n in wanted for i in self.by_intent.get(n, [])})
        if self.index is None or (wanted and not allowed):
            return []
        # Only terms some entry has: the others score nothing.
        query = [t for t in dict.fromkeys(terms(text, self.stop)) if t in self.weights]
        if not query:
            return []
        candidates = allowed if wanted else list(range(len(self.entries)))
        found = sum(self.weights[t] for t in query)
        scores = {i: float(found[i]) for i in candidates}
        ranked = sorted(candidates, key=lambda i: (-scores[i], i))[:limit]
        return [
            Hit(
                entry=self.entries[i],
                score=round(scores[i], 3),
                matched=tuple(t for t in query if t in self.documents[i]),
            )
            for i in ranked
            if scores[i] > 0
        ]

    def answer(
        self, text: str, intents: Iterable[str], *, anywhere: bool = True, floor: float = MIN_SCORE
    ) -> Entry | None:
        """The entry that answers a mention of these intents, or None when none does; with
        `anywhere`, an entry of another intent that fits the text far better answers it;
        `floor`: the score an answer needs (higher for a thread's words than a mention's).
        One scoring of the text serves both (drafting calls this for every mention)."""
        query = [t for t in dict.fromkeys(terms(text, self.stop)) if t in self.weights]
        if not query:
            return None
        found = self._unnamed_out(sum(self.weights[t] for t in query), text)
        allowed = self._allowed(tuple(intents))
        # The best of the intents' entries, the first of equal scores (allowed is sorted).
        own = int(allowed[int(found[allowed].argmax())]) if len(allowed) else None
        own_score = float(found[own]) if own is not None and found[own] >= floor else 0.0
        if anywhere:
            best = int(found.argmax())  # the first of equal scores, as search orders them
            if found[best] >= max(ANYWHERE_SCORE, ANYWHERE_RATIO * own_score, floor):
                return self.entries[best] if self.telling(query, best) else None
        if own is None or not own_score or not self.telling(query, own):
            return None
        return self.entries[own]

    def names(self, entry: Entry, text: str) -> bool:
        """Whether a text names the device an entry is about (always, for an entry of none)."""
        if not entry.device:
            return True
        said = self.devices.get(entry.device)
        return said is not None and bool(said.search(fold(text)))

    def _unnamed_out(self, scores: Any, text: str) -> Any:
        """The scores with the entries of each device the text does not name set to 0: the
        watch's charging steps never answer "充电器插上没反应"."""
        folded = fold(text)
        for device, said in self.devices.items():
            bound = self.bound[device]
            if len(bound) and not said.search(folded):
                scores[bound] = 0.0  # a sum of the terms' rows: a new array of this text
        return scores

    def _allowed(self, intents: tuple[str, ...]) -> Any:
        """The sorted indexes of the entries of these intents (a numpy array), kept per
        combination: drafting asks for the same few again and again."""
        found = self._by_intents.get(intents)
        if found is None:
            found = np.array(
                sorted({i for n in intents for i in self.by_intent.get(n, [])}), dtype=np.intp
            )
            self._by_intents[intents] = found
        return found

    def telling(self, query: Iterable[str], index: int) -> bool:
        """Whether the terms a text shares with an entry say what it asks: a match on weak
        terms alone (订单, 发货, a product's name: `[search] weak`) is no answer (the
        cancellation rules for a late parcel, the watch pairing steps for a strap)."""
        return any(t not in self.weak for t in query if t in self.documents[index])


def load_knowledge(path: Path) -> Knowledge:
    """Load and check a knowledge file; raise KnowledgeError naming every bad entry."""
    return Knowledge(*_read(path))


def load_entries(path: Path) -> tuple[Entry, ...]:
    """The checked entries of a knowledge file, without building its search index."""
    return tuple(_read(path)[0])


def _read(path: Path) -> tuple[list[Entry], list[str], list[str], dict[str, list[str]]]:
    raw = read_table(path, KnowledgeError)
    problems: list[str] = []
    entries: list[Entry] = []
    seen: set[str] = set()
    for n, item in enumerate(raw.get("faq", []), 1):
        where = f"faq #{n} ({item.get('id', '?')})"
        entry = _entry(item, where, problems)
        if entry is None:
            continue
        if entry.id in seen:
            problems.append(f"{where}: id {entry.id!r} is used twice")
        seen.add(entry.id)
        entries.append(entry)
    stop = raw.get("search", {}).get("stop", [])
    if not (isinstance(stop, list) and all(isinstance(w, str) for w in stop)):
        problems.append("search.stop must be a list of strings")
    weak = raw.get("search", {}).get("weak", [])
    if not (isinstance(weak, list) and all(isinstance(w, str) for w in weak)):
        problems.append("search.weak must be a list of strings")
    devices = raw.get("devices", {})
    words_only = (
        isinstance(v, list) and all(isinstance(w, str) for w in v) for v in devices.values()
    )
    if not (isinstance(devices, dict) and all(words_only)):
        problems.append("devices must be a table of lists of strings")
        devices = {}
    for entry in entries:
        if entry.device and entry.device not in devices:
            problems.append(f"faq {entry.id}: device {entry.device!r} is not in [devices]")
    if problems:
        raise KnowledgeError(f"{path}:\n" + "\n".join(f"  {p}" for p in problems))
    return entries, stop, weak, devices


def _entry(item: dict[str, object], where: str, problems: list[str]) -> Entry | None:
    known = {"id", "title", "intents", "questions", "answer", "answer_en", "questions_en"}
    known.add("device")
    unknown = set(item) - known
    for key in sorted(unknown):
        problems.append(f"{where}: unknown key {key!r}")
    before = len(problems)
    text = {k: item.get(k) for k in ("id", "title", "answer", "answer_en", "device")}
    if not isinstance(text["device"] or "", str):
        problems.append(f"{where}: 'device' must be a string")
    for key in ("id", "title", "answer"):
        if not isinstance(text[key], str) or not str(text[key]).strip():
            problems.append(f"{where}: {key!r} must be a non-empty string")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("intents", "questions"):
        value = item.get(key)
        if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            problems.append(f"{where}: {key!r} must be a non-empty list of strings")
        else:
            lists[key] = tuple(value)
    english = item.get("questions_en", [])
    if not (isinstance(english, list) and all(isinstance(v, str) for v in english)):
        problems.append(f"{where}: 'questions_en' must be a list of strings")
    if any("must be" in p for p in problems[before:]):
        return None
    intents = lists["intents"]
    for intent in intents:
        if intent not in ALL_INTENTS:
            problems.append(f"{where}: unknown intent {intent!r}")
    answer = str(text["answer"])
    if len(answer) > MAX_ANSWER:
        problems.append(f"{where}: answer is {len(answer)} characters; at most {MAX_ANSWER}")
    answer_en = str(text["answer_en"] or "")
    if len(answer_en) > MAX_ANSWER_EN:
        problems.append(
            f"{where}: answer_en is {len(answer_en)} characters; at most {MAX_ANSWER_EN}"
        )
    if _INNER_END.search(answer.rstrip("。！？!?")):
        problems.append(
            f"{where}: answer must be one sentence (join its parts with ；): the three drafts"
            " of a mention each quote it, and no sentence may repeat across them"
        )
    return Entry(
        id=str(text["id"]),
        title=str(text["title"]),
        intents=intents,
        questions=lists["questions"],
        answer=answer,
        answer_en=str(text["answer_en"] or ""),
        questions_en=tuple(str(q) for q in english) if isinstance(english, list) else (),
        device=str(text["device"] or ""),
    )
