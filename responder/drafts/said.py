"""A draft's sentences, as drafts compare them (no sentence twice in a mention's drafts nor
in its thread), and the stores near a place a person asking where named."""

from __future__ import annotations

import re
from typing import Any

_SENTENCE_END = re.compile(r"(?<=[。！？!?~～…])")
_NOT_WORD = re.compile(r"[\W_]+")
_FULL_STOP = re.compile(r"(?<=\.)\s+(?=[A-Z0-9\"'(])|\n")  # not "e.g. the", "3.1", a link
_NEAR = re.compile(r"(?:附近的?|就近的?|离你最近的)(?P<place>售后网点|门店|网点|澜星之家)")


def sentences(text: str, *, english: bool = False, quoted: str = "") -> list[str]:
    """Split a reply into sentences, each reduced to its letters for comparing; `english`:
    at full stops too, leaving out `quoted` (the knowledge answer each English draft quotes
    on purpose, no repeat)."""
    if english:
        text = text.replace(quoted, "\n") if quoted else text
        pieces = [p for part in _SENTENCE_END.split(text) for p in _FULL_STOP.split(part)]
    else:
        pieces = _SENTENCE_END.split(text)
    parts = (_NOT_WORD.sub("", part).lower() for part in pieces)
    return [part for part in parts if len(part) >= 4]  # "好的" may repeat; sentences may not


def near(text: str, place: str, kb: Any) -> str:
    """The first "附近门店" of a draft said as "<place>附近的门店", outside the quoted
    knowledge answer (quoted word for word)."""
    quoted = text.find(kb.answer) if kb is not None and kb.answer else -1
    for found in _NEAR.finditer(text):
        if quoted >= 0 and quoted <= found.start() < quoted + len(kb.answer):
            continue
        return text[: found.start()] + f"{place}附近的{found['place']}" + text[found.end() :]
    return text
