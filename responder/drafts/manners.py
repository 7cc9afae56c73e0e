"""Channel and person manners (templates/drafts/manners.toml): no "私信" in a private chat,
no asking for what was given, no addressing anyone by a platform id."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from responder.drafts.data import read_table

# What was given, as the refusal names it to the agent.
_GIVEN = {
    "order": "订单号",
    "tracking": "快递单号",
    "phone": "电话",
    "photo": "照片",
    "version": "版本号",
}
# What was already tried, as the refusal names it.
_TRIED = {
    "restart": "重启",
    "original": "原装充电器",
    "cable": "换线",
    "reset": "重置",
    "pair": "重新配对",
    "clean": "清理",
}


class MannersError(ValueError):
    """A manners file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class Manners:
    rewrites: tuple[tuple[re.Pattern[str], str], ...]
    forbid: tuple[str, ...]
    asks: dict[str, re.Pattern[str]]  # what was given -> how a draft asks for it
    id_like: tuple[re.Pattern[str], ...]

    def name(self, name: str, author_id: str = "") -> str:
        """The name to address a person by: "" for a platform id."""
        name = name.strip()
        if not name or name == author_id or any(p.search(name) for p in self.id_like):
            return ""
        return name

    def private(self, text: str) -> str:
        """A draft of a private chat, rewritten not to send the person to 私信."""
        for pattern, replacement in self.rewrites:
            text = pattern.sub(replacement, text)
        return text

    def refusal(self, text: str, *, channel: str, given: Iterable[str]) -> str:
        """Why a draft breaks the manners ("" when it keeps them)."""
        if channel == "private" and (word := next((w for w in self.forbid if w in text), "")):
            return f"私聊里不该说“{word}”"
        for kind in given:
            pattern = self.asks.get(kind)
            if pattern is not None and pattern.search(text):
                if kind in _TRIED:
                    return f"对方已经试过{_TRIED[kind]}，不该再让他试"
                return f"对方已经给了{_GIVEN.get(kind, kind)}，不该再要"
        return ""


def load_manners(path: Path) -> Manners:
    """Load and compile a manners file; raise MannersError naming every bad entry."""
    raw = read_table(path, MannersError)
    problems: list[str] = []

    def compiled(where: str, pattern: object) -> re.Pattern[str]:
        try:
            return re.compile(str(pattern))
        except re.error as exc:
            problems.append(f"{where}: {pattern!r}: {exc}")
            return re.compile("(?!)")

    private = raw.get("private", {})
    rewrites = []
    for i, pair in enumerate(private.get("rewrite", [])):
        if not (isinstance(pair, list) and len(pair) == 2):
            problems.append(f"private.rewrite[{i}]: expected [pattern, replacement]")
            continue
        rewrites.append((compiled(f"private.rewrite[{i}]", pair[0]), str(pair[1])))
    asks = {
        kind: compiled(f"given.{kind}", "|".join(f"(?:{p})" for p in patterns))
        for kind, patterns in raw.get("given", {}).items()
    }
    id_like = tuple(compiled("names.id_like", p) for p in raw.get("names", {}).get("id_like", []))
    if problems:
        raise MannersError(f"{path}:\n" + "\n".join(f"  {p}" for p in problems))
    return Manners(
        rewrites=tuple(rewrites),
        forbid=tuple(private.get("forbid", [])),
        asks=asks,
        id_like=id_like,
    )
