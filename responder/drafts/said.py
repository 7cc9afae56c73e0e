"""A draft's sentences, as drafts compare them (no sentence twice in a mention's drafts nor
in its thread), the stores near a place a person asking where named, and no lead-in that
names a knowledge entry its quoted answer names again at once."""

from __future__ import annotations

import re
from typing import Any

_SENTENCE_END = re.compile(r"(?<=[。！？!?~～…])")
_NOT_WORD = re.compile(r"[\W_]+")
_FULL_STOP = re.compile(r"(?<=\.)\s+(?=[A-Z0-9\"'(])|\n")  # not "e.g. the", "3.1", a link
_CLAUSE_END = "。！？!?，,；;"
_COLON = re.compile(r"：|(?<!\d):(?!\d)")  # not the colon of a time, 10:00
_NOW = re.compile(r"现在|眼下|目前")  # "现在的应用分身": it is there already, for a wish
_GLUE = 7  # at most this many characters besides the title: "问…的话，看这里", "是这样的"
_FIRST_CLAUSE = re.compile(r"[^，,。：:；;！？!?]*")
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


def no_restated_lead(text: str, kb: Any, said: str = "") -> str:
    """Drop the clause that leads into the quoted knowledge answer by its title when the
    answer's first clause names the title itself: "先说屏幕坏点：屏幕坏点、亮点…都算质量问题"
    becomes "屏幕坏点、亮点…都算质量问题", "关于 X，充电保护是这样的：充到 80% 停住是「充电保护」"
    becomes "关于 X，充到 80% 停住是「充电保护」"."""
    title, answer = (getattr(kb, "title", ""), getattr(kb, "answer", "")) if kb else ("", "")
    if not title or not answer:
        return text
    first = _FIRST_CLAUSE.match(answer)
    if first is None or title not in first.group():
        return text
    at = text.find(answer[:12])
    if at <= 0 or text[at - 1] not in "：:，,":
        return text
    lead = text[: at - 1]
    start = max(lead.rfind(c) for c in _CLAUSE_END) + 1  # the clause just before the answer
    if title not in lead[start:] and start > 0 and lead[start - 1] in "，,":  # "问X的话，看这里"
        back = max(lead[: start - 1].rfind(c) for c in _CLAUSE_END) + 1
        if len(lead[back : start - 1]) <= len(title) + 4:  # only a lead-in, not what went before
            start = back
    rest = _NOT_WORD.sub("", lead[start:].replace(title, "", 1)).lower()
    more = len(rest) > _GLUE or _echoes(rest, said.lower(), answer) or _NOW.search(rest)
    if title not in lead[start:] or more:
        return text  # a lead-in saying more than the title ("拿小米12以旧换新这么弄") stays
    return text[:start] + text[at:]


def _echoes(rest: str, said: str, answer: str) -> bool:
    """Whether `rest` repeats two characters of what the person said that the answer does
    not ("拿苹果" of "我有个苹果11"): their words, not the template's."""
    return any(
        rest[i : i + 2] in said and rest[i : i + 2] not in answer for i in range(len(rest) - 1)
    )


def one_colon(text: str, kb: Any) -> str:
    """A lead-in's colon before a quoted answer whose first sentence has its own colon
    becomes a comma: "给你个准信，坏点、亮点都算质量问题：签收 15 天内…", not two colons."""
    answer = getattr(kb, "answer", "") if kb else ""
    at = text.find(answer[:12]) if answer else -1
    if at <= 0 or text[at - 1] not in "：:":
        return text
    first = re.split(r"[。！？!?]", answer, maxsplit=1)[0]
    return text[: at - 1] + "，" + text[at:] if _COLON.search(first) else text
