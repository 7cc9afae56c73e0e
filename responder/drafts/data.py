"""The editable data files under `data/`: loaded and validated once, every error at once."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

INTENTS = (
    "shipping",
    "order_payment",
    "lag",
    "overheating",
    "battery",
    "camera",
    "system_update",
    "after_sales",
    "store_appointment",
    "how_to",
    "feature_request",
    "praise",
    "purchase_intent",
    "service_complaint",
    "crisis",
    "chit_chat",
    "spam",
)
# Intents the learned model knows besides the rules' (issue 23): no keyword rule has them.
MODEL_INTENTS = (
    "greeting",
    "rumor_news",
    "ads_push",
    "policy_question",
    "comparison",
    "occasion",
    "screen_damage",
    "privacy_security",
)
ALL_INTENTS = INTENTS + MODEL_INTENTS


def read_table(path: Path, error: type[ValueError]) -> dict[str, Any]:
    """An editable TOML file's table; `error` names the file when it cannot be read."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise error(f"{path}: {exc}") from exc


def json_lines(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The objects of a JSON-lines file with their line numbers (blank lines skipped);
    ValueError naming the file, or the line of one that is no JSON object."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read: {exc}") from exc
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not JSON: {exc}") from exc
        if not isinstance(row, dict):
            raise ValueError(f"{path}:{number}: not a JSON object")
        rows.append((number, row))
    return rows


CRISIS_KINDS = (
    "fire",
    "smoke",
    "explosion",
    "swelling",
    "injury",
    "legal",
    "media",
    "consumer_body",
    "mass_complaint",
    "safety",
)
_TERM_KEYS = ("words", "phrases", "patterns")
_SETTINGS: dict[str, type] = {
    "min_score": float,
    "secondary_ratio": float,
    "fallback": str,
    "question_fallback": str,
    "spam_score": float,
}


class DataError(Exception):
    """A data file that cannot be used; the message names the file and every bad key."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Terms:
    """Words (whole tokens), phrases (substrings) and patterns, each with a weight."""

    words: tuple[tuple[str, float], ...] = ()
    phrases: tuple[tuple[str, float], ...] = ()
    patterns: tuple[tuple[re.Pattern[str], float], ...] = ()
    word_set: frozenset[str] = frozenset()  # the words alone: one set test finds none
    word_order: dict[str, int] = field(default_factory=dict)  # each word's first place
    # The places of the phrases by their first character: a text is searched only for
    # those whose first character it has (there are some 750 phrases, a text has ~30).
    phrase_heads: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "word_set", frozenset(w for w, _ in self.words))
        order: dict[str, int] = {}
        for i, (w, _) in enumerate(self.words):
            order.setdefault(w, i)
        object.__setattr__(self, "word_order", order)
        heads: dict[str, list[int]] = {}
        for i, (p, _) in enumerate(self.phrases):
            heads.setdefault(p[:1], []).append(i)
        object.__setattr__(self, "phrase_heads", {c: tuple(v) for c, v in heads.items()})


@dataclass(frozen=True, slots=True, kw_only=True)
class IntentRules:
    """The terms of one intent, with extra terms per platform."""

    name: str
    terms: Terms
    platforms: dict[str, Terms]
    yields_to: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Lexicon:
    """Everything the data files say."""

    settings: dict[str, Any]
    intents: tuple[IntentRules, ...]  # in file order, which breaks ties
    crisis: dict[str, Terms]
    crisis_exclude: Terms
    negative: Terms
    positive: Terms
    question: Terms
    negators: frozenset[str]
    add_words: tuple[str, ...]
    remove_words: tuple[str, ...]


def default_dir() -> Path:
    """Return the data files shipped with Tiexin."""
    return Path(str(resources.files("responder.drafts") / "data"))


@cache
def default_lexicon() -> Lexicon:
    """Return the shipped data, loaded on first use (once per process)."""
    return load(default_dir())


def load(directory: Path) -> Lexicon:
    """Read and validate the four data files of a directory; raise DataError on any problem."""
    problems: list[str] = []
    intents = _Reader(directory / "intents.toml", problems)
    crisis = _Reader(directory / "crisis.toml", problems)
    tone = _Reader(directory / "tone.toml", problems)
    words = _Reader(directory / "words.toml", problems)
    settings = intents.settings()
    lexicon = Lexicon(
        settings=settings,
        intents=intents.intents(),
        crisis={
            kind: crisis.terms(["kinds", kind]) for kind in crisis.names("kinds", CRISIS_KINDS)
        },
        crisis_exclude=crisis.terms(["exclude"], required=False),
        negative=tone.terms(["negative"]),
        positive=tone.terms(["positive"]),
        question=tone.terms(["question"]),
        negators=frozenset(w for w, _ in tone.terms(["negators"]).words),
        add_words=tuple(words.strings(["add"])),
        remove_words=tuple(words.strings(["remove"], required=False)),
    )
    if problems:
        raise DataError("bad data files:\n  " + "\n  ".join(problems))
    return lexicon


class _Reader:
    """One TOML file; each accessor records problems as `file: key.path: what`."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path, self.problems = path, problems
        try:
            self.data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            self.data = {}
            self._bad([], f"cannot read: {exc}")
        except tomllib.TOMLDecodeError as exc:
            self.data = {}
            self._bad([], f"not valid TOML: {exc}")

    def _bad(self, keys: list[str], what: str) -> None:
        where = f"{self.path.name}: {'.'.join(keys)}: " if keys else f"{self.path}: "
        self.problems.append(where + what)

    def _get(self, keys: list[str], required: bool = True) -> Any:
        node: Any = self.data
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                if required and self.data:
                    self._bad(keys, "missing")
                return None
            node = node[key]
        return node

    def strings(self, keys: list[str], required: bool = True) -> list[str]:
        value = self._get(keys, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(s, str) and s for s in value):
            self._bad(keys, "expected a list of non-empty strings")
            return []
        return [s.lower() for s in value]

    def names(self, table: str, known: tuple[str, ...]) -> list[str]:
        """Return the sub-table names of `table`, each checked against `known`."""
        value = self._get([table])
        if not isinstance(value, dict):
            return []
        for name in value:
            if name not in known:
                self._bad([table, name], f"unknown name; expected one of {', '.join(known)}")
        return [name for name in value if name in known]

    def terms(self, keys: list[str], required: bool = True) -> Terms:
        table = self._get(keys, required)
        if table is None:
            return Terms()
        if not isinstance(table, dict):
            self._bad(keys, "expected a table")
            return Terms()
        allowed = {*_TERM_KEYS, "weights"} | (
            {"platforms", "yields_to"} if keys[0] == "intents" else set()
        )
        for key in sorted(set(table) - allowed):
            self._bad([*keys, key], f"unknown key; expected {', '.join(sorted(allowed))}")
        lists = {key: self.strings([*keys, key], required=False) for key in _TERM_KEYS}
        weights = self._weights([*keys, "weights"], {t for terms in lists.values() for t in terms})
        patterns = []
        for text in lists["patterns"]:
            try:
                patterns.append((re.compile(text), weights.get(text, 1.0)))
            except re.error as exc:
                self._bad([*keys, "patterns"], f"{text!r} is not a valid regex: {exc}")
        return Terms(
            words=tuple((w, weights.get(w, 1.0)) for w in lists["words"]),
            phrases=tuple((p, weights.get(p, 1.0)) for p in lists["phrases"]),
            patterns=tuple(patterns),
        )

    def _weights(self, keys: list[str], terms: set[str]) -> dict[str, float]:
        table = self._get(keys, required=False) or {}
        weights: dict[str, float] = {}
        for term, weight in table.items():
            if term.lower() not in terms:
                self._bad([*keys, term], "not one of this table's words, phrases or patterns")
            elif isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
                self._bad([*keys, term], f"expected a positive number, got {weight!r}")
            else:
                weights[term.lower()] = float(weight)
        return weights

    def settings(self) -> dict[str, Any]:
        table = self._get(["settings"]) or {}
        settings: dict[str, Any] = {}
        for key, kind in _SETTINGS.items():
            value = table.get(key)
            if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
                settings[key] = float(value)
            elif kind is str and value in INTENTS:
                settings[key] = value
            elif self.data:
                self._bad(["settings", key], f"expected {_expected(kind)}, got {value!r}")
        for key in sorted(set(table) - set(_SETTINGS)):
            self._bad(["settings", key], "unknown key")
        return settings

    def intents(self) -> tuple[IntentRules, ...]:
        names = self.names("intents", tuple(i for i in INTENTS if i != "crisis"))
        if self.data and isinstance(self._get(["intents"]), dict):
            for name in INTENTS:
                if name != "crisis" and name not in names:
                    self._bad(["intents", name], "missing")
        rules = []
        for name in names:
            platforms = self._get(["intents", name, "platforms"], required=False) or {}
            rules.append(
                IntentRules(
                    name=name,
                    terms=self.terms(["intents", name]),
                    platforms={p: self.terms(["intents", name, "platforms", p]) for p in platforms},
                    yields_to=tuple(self._yields(name)),
                )
            )
        return tuple(rules)

    def _yields(self, name: str) -> list[str]:
        keys = ["intents", name, "yields_to"]
        names = self.strings(keys, required=False)
        for other in names:
            if other not in INTENTS or other in ("crisis", name):
                self._bad(keys, f"{other!r} is not another intent of this file")
        return names


def _expected(kind: type) -> str:
    return "a number" if kind is float else f"an intent name ({', '.join(INTENTS)})"
