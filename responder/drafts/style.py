"""The style check on every draft and every edited reply: template leftovers, blank text,
stiff service-speak, sensitive words, laughing at an upset person, platform length.

The words, messages and limits live in templates/drafts/style.toml; this module only
compiles them (one regex per list) and applies them.
"""

from __future__ import annotations

import importlib.util
import re
import string
import tomllib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import emoji

from connectors.weibo.length import weibo_length

TONES = ("upset", "happy", "question", "neutral", "crisis")
UNITS = ("weibo", "chars")

# Full-width and half-width forms as ordinary characters: "，" is ",", "ｈ" is "h", "｡" is "。".
_WIDTH = str.maketrans(
    {chr(c): unicodedata.normalize("NFKC", chr(c)) for c in range(0xFF01, 0xFFEF)} | {"\u3000": " "}
)
_SEPARATORS = re.compile(r"[\W_]+")  # punctuation, symbols, emoji, spaces
_LONE_SPACE = re.compile(r" (?![a-z0-9])|(?<![a-z0-9]) ")  # a space not inside ASCII words
_BLANK = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]*")
_ALNUM = frozenset(string.ascii_letters + string.digits)
# A phrase starting or ending with an ASCII letter or digit matches only as a whole word. The
# start check sits after the phrase's first character so that every alternative still begins
# with a literal, which lets the regex engine skip ahead fast (about 5x on a clean draft).
_WORD_START = r"(?<![A-Za-z0-9][\s\S])"
_WORD_END = r"(?![A-Za-z0-9])"


class StyleError(ValueError):
    """A style file that cannot be used; the message names the file and every bad key."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """Why a reply cannot be approved as it is."""

    rule: str  # "template" | "empty" | "banned" | "sensitive" | "laughing" | "length"
    message: str  # in Chinese, for the agent
    words: tuple[str, ...] = ()  # the offending words: a phrase as style.toml writes it


@dataclass(frozen=True, slots=True)
class WordList:
    """The phrases and patterns of one rule, compiled."""

    regexes: tuple[re.Pattern[str], ...]
    written: dict[str, str]  # a phrase as compared -> as style.toml writes it

    def find(self, text: str, original: str = "") -> tuple[str, ...]:
        """Return the words found in a normalised text, in text order, each once; a phrase as
        style.toml writes it, a pattern's match as `original` has it when the normalised text
        kept its length. Of overlapping matches the one starting first (then longest) counts."""
        hits = sorted((m.start(), -m.end()) for r in self.regexes for m in r.finditer(text))
        source = original if len(original) == len(text) else text
        words: list[str] = []
        end = 0
        for start, minus_end in hits:
            if start >= end:
                end = -minus_end
                words.append(self.written.get(text[start:end]) or source[start:end])
        return tuple(dict.fromkeys(words))


@dataclass(frozen=True, slots=True)
class Limit:
    """The longest reply a platform and channel take."""

    limit: int
    unit: str  # "weibo" or "chars"
    message: str


@dataclass(frozen=True, slots=True)
class StyleRules:
    """Everything style.toml says, compiled."""

    template: WordList
    banned: WordList
    sensitive: WordList
    laughing: WordList
    messages: dict[str, str]  # "template", "empty", "banned", "sensitive" -> message
    laughing_tones: dict[str, str]  # tone -> message; laughing is only checked in these
    limits: dict[tuple[str, str], Limit]  # (platform, channel) -> limit


def length_of(text: str, unit: str) -> int:
    """Measure text in a limit's unit: "weibo" (Weibo's count) or "chars" (code points)."""
    if unit == "weibo":
        return weibo_length(text)
    if unit == "chars":
        return len(text)
    raise ValueError(f"unknown length unit {unit!r}; expected one of {UNITS}")


def limit_for(platform: str, channel: str, rules: StyleRules) -> tuple[int, str] | None:
    """Return (limit, unit) for a platform and channel, or None when there is no limit."""
    limit = rules.limits.get((platform, channel))
    return None if limit is None else (limit.limit, limit.unit)


def check(text: str, *, platform: str, channel: str, tone: str, rules: StyleRules) -> list[Finding]:
    """Return why a reply may not go out as it is, in rule order; [] when it is fine."""
    findings: list[Finding] = []
    if words := rules.template.find(text):
        findings.append(_found("template", words, rules.messages["template"]))
    if _BLANK.fullmatch(text):
        findings.append(Finding(rule="empty", message=rules.messages["empty"].format()))
    folded = _fold(text)
    loose = _loose(folded)
    if words := rules.banned.find(loose):
        findings.append(_found("banned", words, rules.messages["banned"]))
    if words := rules.sensitive.find(loose):
        findings.append(_found("sensitive", words, rules.messages["sensitive"]))
    laughing = rules.laughing_tones.get(tone)
    if laughing is not None and (words := rules.laughing.find(folded, text)):
        findings.append(_found("laughing", words, laughing))
    limit = rules.limits.get((platform, channel))
    if limit is not None and (length := length_of(text, limit.unit)) > limit.limit:
        message = limit.message.format(limit=limit.limit, length=length)
        findings.append(Finding(rule="length", message=message))
    return findings


def packaged_path() -> Path:
    """Return the style.toml shipped in the `templates` package.

    Not importlib.resources.files("templates"): on Python 3.11 it raises NotADirectoryError
    under a setuptools editable install, whose namespace __path__ holds a placeholder entry.
    """
    spec = importlib.util.find_spec("templates")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder, "drafts", "style.toml")
        if path.is_file():
            return path
    raise StyleError("templates/drafts/style.toml: not found in the installed `templates`")


def load_style(path: Path | None = None) -> StyleRules:
    """Read and compile a style file (default: the shipped one); raise StyleError naming the
    file and every bad key."""
    reader = _Reader(path or packaged_path())
    reader.known(
        reader.data, "", ("template", "empty", "banned", "sensitive", "laughing", "length")
    )
    laughing = reader.words("laughing", _fold, ("tones", "emoji"))
    if reader.get(reader.section("laughing"), "laughing.emoji", bool, required=False):
        laughing = WordList((*laughing.regexes, re.compile(_emoji_pattern())), laughing.written)
    rules = StyleRules(
        template=reader.words("template", str),
        banned=reader.words("banned", _loose_phrase),
        sensitive=reader.words("sensitive", _loose_phrase),
        laughing=laughing,
        messages={
            "template": reader.message(reader.section("template"), "template.message", "words"),
            "empty": reader.message(reader.section("empty"), "empty.message"),
            "banned": reader.message(reader.section("banned"), "banned.message", "words"),
            "sensitive": reader.message(reader.section("sensitive"), "sensitive.message", "words"),
        },
        laughing_tones=reader.tones(),
        limits=reader.limits(),
    )
    reader.known(reader.section("empty"), "empty.", ("message",))
    if reader.problems:
        raise StyleError("\n".join(dict.fromkeys(reader.problems)))
    return rules


def _fold(text: str) -> str:
    """Full-width and half-width forms made ordinary, letters in lower case."""
    return text.translate(_WIDTH).lower()


def _loose(folded: str) -> str:
    """A folded text without punctuation, symbols, emoji or spaces (but the spaces between
    ASCII words), with 您 as 你."""
    return _LONE_SPACE.sub("", _SEPARATORS.sub(" ", folded)).replace("您", "你")


def _loose_phrase(phrase: str) -> str:
    return _loose(_fold(phrase))


def _quote(words: tuple[str, ...]) -> str:
    return "、".join(f"“{word}”" for word in words)


def _found(rule: str, words: tuple[str, ...], message: str) -> Finding:
    return Finding(rule=rule, message=message.format(words=_quote(words)), words=words)


def _phrase_regex(phrase: str) -> str:
    """A phrase as a regex alternative that starts with a literal."""
    start = _WORD_START if phrase[0] in _ALNUM else ""
    end = _WORD_END if phrase[-1] in _ALNUM else ""
    return re.escape(phrase[0]) + start + re.escape(phrase[1:]) + end


@cache
def _emoji_pattern() -> str:
    """A regex for any emoji, from the `emoji` package's list: a character shown as emoji by
    default, or one shown so with the selector U+FE0F after it, with modifiers and joins.
    Above U+FFFF the whole span the emoji lie in counts (pictographs all), which keeps the
    character class one bitmap and a range: 5x faster than the exact list."""
    alone: set[int] = set()
    selected: set[int] = set()
    for sequence, info in emoji.EMOJI_DATA.items():
        if info["status"] != emoji.STATUS["fully_qualified"]:
            continue
        if len(sequence) > 1 and sequence[1] == "\ufe0f":
            selected.add(ord(sequence[0]))
        elif not sequence[0].isascii():
            alone.add(ord(sequence[0]))
    wide = [cp for cp in alone | selected if cp > 0xFFFF]
    span = set(range(min(wide), max(wide) + 1))
    either = _char_class({cp for cp in alone | selected if cp <= 0xFFFF} | span)
    needs = _char_class({cp for cp in selected - alone if cp <= 0xFFFF})
    one = f"{either}(?:(?<={needs})\ufe0f|(?<!{needs}))"  # the selector where it is needed
    more = r"[\ufe0f\u20e3\U0001f3fb-\U0001f3ff\U0001f1e6-\U0001f1ff\U000e0020-\U000e007f]"
    return f"{one}(?:{more}|\u200d{one})*"


def _char_class(code_points: set[int]) -> str:
    """A regex character class of code points, written as ranges."""
    ranges: list[list[int]] = []
    for cp in sorted(code_points):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "[" + "".join(rf"\U{a:08x}-\U{b:08x}" for a, b in ranges) + "]"


class _Reader:
    """One style file; each accessor records problems as `<file>: <key>: <what>`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []
        try:
            self.data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise StyleError(f"{path}: cannot read: {exc}") from exc

    def bad(self, key: str, what: str) -> None:
        self.problems.append(f"{self.path}: {key}: {what}")

    def get(self, table: dict[str, Any], key: str, kind: type, *, required: bool = True) -> Any:
        """The value of a dotted key (its last part is looked up in table) if it has the right
        type; else None, with the problem recorded."""
        value = table.get(key.rsplit(".", 1)[-1])
        if value is None:
            if required:
                self.bad(key, "missing")
        elif not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.bad(key, f"must be {kind.__name__}, not {type(value).__name__}")
            value = None
        return value

    def section(self, name: str) -> dict[str, Any]:
        table: dict[str, Any] = self.get(self.data, name, dict) or {}
        return table

    def known(self, table: dict[str, Any], prefix: str, keys: tuple[str, ...]) -> None:
        for key in table:
            if key not in keys:
                self.bad(prefix + key, f"unknown key; expected one of {', '.join(keys)}")

    def message(self, table: dict[str, Any], key: str, *placeholders: str) -> str:
        text: str = self.get(table, key, str) or ""
        try:
            text.format(**dict.fromkeys(placeholders, 0))
        except (KeyError, IndexError, ValueError) as exc:
            allowed = ", ".join(f"{{{p}}}" for p in placeholders)
            self.bad(key, f"bad placeholder {exc}; this message may use {allowed}")
        return text

    def strings(self, table: dict[str, Any], key: str, *, required: bool) -> list[str]:
        values: list[str] = self.get(table, key, list, required=required) or []
        if not all(isinstance(v, str) and v for v in values):
            self.bad(key, "must be a list of non-empty strings")
            return []
        return values

    def words(
        self, name: str, compare: Callable[[str], str], extra: tuple[str, ...] = ("message",)
    ) -> WordList:
        """A rule's phrases (compared as `compare` makes them) and patterns, compiled."""
        table = self.section(name)
        self.known(table, f"{name}.", ("phrases", "patterns", *extra))
        written: dict[str, str] = {}
        for phrase in self.strings(table, f"{name}.phrases", required=True):
            if not compare(phrase):
                self.bad(f"{name}.phrases", f"{phrase!r} has nothing left to compare")
            written.setdefault(compare(phrase) or phrase, phrase)
        regexes = []
        if written:
            by_length = sorted(written, key=len, reverse=True)
            regexes.append(re.compile("|".join(map(_phrase_regex, by_length))))
        patterns = self.strings(table, f"{name}.patterns", required=False)
        usable = True
        for i, pattern in enumerate(patterns):
            try:
                empty = re.compile(pattern).fullmatch("") is not None
            except re.error as exc:
                self.bad(f"{name}.patterns[{i}]", f"not a valid regex: {exc}")
                usable = False
            else:
                if empty:
                    self.bad(f"{name}.patterns[{i}]", "matches empty text")
        if usable:  # each on its own: the engine then skips ahead to where one can start
            regexes.extend(map(re.compile, patterns))
        return WordList(tuple(regexes), written)

    def tones(self) -> dict[str, str]:
        table = self.get(self.section("laughing"), "laughing.tones", dict) or {}
        self.known(table, "laughing.tones.", TONES)
        return {tone: self.message(table, f"laughing.tones.{tone}", "words") for tone in table}

    def limits(self) -> dict[tuple[str, str], Limit]:
        limits = {}
        for platform, channels in self.section("length").items():
            if not isinstance(channels, dict):
                self.bad(f"length.{platform}", "must be a table of channels")
                continue
            for channel, table in channels.items():
                key = f"length.{platform}.{channel}"
                if not isinstance(table, dict):
                    self.bad(key, "must be a table with limit, unit and message")
                    continue
                self.known(table, key + ".", ("limit", "unit", "message"))
                limit = self.get(table, key + ".limit", int)
                unit = self.get(table, key + ".unit", str)
                if limit is not None and limit <= 0:
                    self.bad(key + ".limit", f"must be above 0, not {limit}")
                if unit is not None and unit not in UNITS:
                    self.bad(key + ".unit", f"must be one of {', '.join(UNITS)}, not {unit!r}")
                message = self.message(table, key + ".message", "limit", "length")
                limits[platform, channel] = Limit(limit or 0, unit or "chars", message)
        return limits
