"""How a draft opens to this person: the product they speak of (an older model they name
first), and sorry for the wait to someone who says nobody answered."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from responder.drafts.brand import Brand
from responder.drafts.render import Draft
from responder.drafts.said import sentences

# Said first to someone who says nobody answered them, one wording per draft.
_SORRY_FOR_WAIT = ("抱歉，让你久等了。", "不好意思，回复晚了。", "对不起，让你等了这么久。")
_SAID_SORRY_FOR_WAIT = ("久等", "回晚", "回复晚", "让你等", "回得慢", "来晚")


def product_of(brand: Brand, text: str, model: str) -> str:
    """The product a mention is about: the brand's product it names first, unless it first
    names an older model of a line brand.toml lists (X6 of the X7's line: "X6还能升3.2吗"
    is about the X6; a rumoured X8 is not ours to name)."""
    named = brand.product_in(text)
    older = _OLDER.fullmatch(model)
    if older is None or brand.product_in(model):
        return named
    line, number = older.group(1), int(older.group(2))
    listed = (_OLDER.match(p.name) for p in brand.products)
    if not any(m and m.group(1) == line and int(m.group(2)) > number for m in listed):
        return named
    folded = text.lower()
    at = folded.find(model.lower())
    aliases = (a for p in brand.products if p.name == named for a in p.aliases)
    first = min((folded.find(a) for a in aliases if a in folded), default=-1)
    return model if at >= 0 and (first < 0 or at < first) else named


_OLDER = re.compile(r"([A-Z])(\d{1,2})")


def sorry_first(
    drafts: list[Draft], avoid: frozenset[str], refused: Callable[[str], Sequence[object]]
) -> list[Draft]:
    """Drafts to someone who says nobody answered, each opening with sorry for the wait
    in a wording no draft and nothing said in the thread has, unless it says so already
    or the style check refuses it then (`refused`: its findings for a text)."""
    used = set(avoid).union(*(sentences(d.text) for d in drafts))
    out = []
    for draft in drafts:
        fresh = [o for o in _SORRY_FOR_WAIT if not used.intersection(sentences(o))]
        if any(w in draft.text for w in _SAID_SORRY_FOR_WAIT) or not fresh:
            out.append(draft)
            continue
        text = fresh[0] + draft.text
        if refused(text):
            out.append(draft)
            continue
        used.update(sentences(fresh[0]))
        out.append(Draft(text=text, template=draft.template))
    return out
