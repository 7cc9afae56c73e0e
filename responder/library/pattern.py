"""A sent reply made reusable: the facts of the mention it answered (order and courier
numbers, version, product, phone number, the person's name) become slots, filled with a
new mention's own facts when it is proposed. A reply that still holds something about
one person that cannot be a slot (another phone number, an address, an @handle, a code)
is not admitted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from responder.drafts.brand import Brand
from responder.drafts.facts import facts_of
from responder.drafts.manners import Manners

SLOTS = ("order", "tracking", "version", "product", "phone", "name")
_MARK = re.compile(r"\{(" + "|".join(SLOTS) + r")\}")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")  # as facts.py reads one
_EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+\.[A-Za-z.]+")
_HANDLE = re.compile(r"@[\w\u4e00-\u9fff-]{2,}")
_ADDRESS = re.compile(
    r"[省市区县镇乡][\u4e00-\u9fff\w]{0,12}?[路街道巷弄村][\d一二三四五六七八九十]+号"
    r"|\d+\s*(?:号楼|栋|幢|单元|室)"
)
_LONG_NUMBER = re.compile(r"\d{7,}")
# Left when a name slot has no name: "{name}，" and "@{name} " go with what follows them.
_NO_NAME = re.compile(r"@?\{name\}\s*[，,：:、!！~～]?\s*")


class Unfit(ValueError):
    """A reply that cannot be a library entry; the message says why, in Chinese."""


@dataclass(frozen=True, slots=True)
class Pattern:
    """A reply with its slots, and the mention it answered with the same slots."""

    reply: str  # "{name}，订单{order}已经加急了"
    mention: str  # the mention's text, its facts as slots, phone numbers left out
    slots: tuple[str, ...]  # the slots the reply uses, in SLOTS order
    lang: str  # the mention's language: "zh" or "en"


@dataclass(frozen=True, slots=True)
class Values:
    """A mention's own facts, by slot ("" when it does not say)."""

    order: str = ""
    tracking: str = ""
    version: str = ""
    product: str = ""
    phone: str = ""
    name: str = ""

    def get(self, slot: str) -> str:
        return str(getattr(self, slot))


def values_of(text: str, brand: Brand, *, name: str = "", earlier: tuple[str, ...] = ()) -> Values:
    """The facts a mention gives for each slot; `name` as the drafts address the person
    ("" for a platform id), `earlier`: the same author's earlier messages in the thread."""
    facts = facts_of(text, earlier)
    phone = _PHONE.search("\n".join([*earlier, text]))
    return Values(
        order=facts.order,
        tracking=facts.tracking,
        version=facts.version,
        product=brand.product_in(text),
        phone=phone.group(0) if phone else "",
        name=name,
    )


def make_pattern(
    mention: str, reply: str, *, author: str, author_id: str, brand: Brand, manners: Manners
) -> Pattern:
    """Slot the mention's facts in the reply; raise Unfit for a reply that cannot be one."""
    if "{" in reply or "}" in reply:
        raise Unfit("回复里有花括号，无法做成范例")
    values = values_of(mention, brand, name=manners.name(author, author_id))
    slotted = _slot(reply, values, brand)
    _check_leftovers(slotted, brand)
    used = {m.group(1) for m in _MARK.finditer(slotted)}
    return Pattern(
        reply=slotted,
        mention=plain(mention, values, brand),
        slots=tuple(s for s in SLOTS if s in used),
        lang=facts_of(mention).lang,
    )


def fill(reply: str, values: Values) -> str | None:
    """The reply with the new mention's facts in its slots, or None when the mention
    lacks one (the name may be missing: the address is then left out)."""
    if "{name}" in reply and not values.name:
        reply = _NO_NAME.sub("", reply)
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        found = values.get(match.group(1))
        missing = missing or not found
        return found

    filled = _MARK.sub(value, reply)
    return None if missing else filled.strip()


def plain(text: str, values: Values, brand: Brand) -> str:
    """A mention's text with its own facts as slots and phone numbers and emails left out:
    what is stored of it, and what is matched (a new mention's facts never match)."""
    return _PHONE.sub("", _EMAIL.sub("", _slot(text, values, brand)))


def match_text(mention: str) -> str:
    """A stored mention pattern as text to match against (slots left out)."""
    return _MARK.sub(" ", mention)


def _slot(text: str, values: Values, brand: Brand) -> str:
    """`text` with each of the mention's facts it repeats turned into its slot."""
    for slot in ("order", "tracking"):
        found = values.get(slot)
        if found:
            text = re.sub(re.escape(found), "{" + slot + "}", text, flags=re.I)
    if values.phone:
        digits = re.sub(r"\D", "", values.phone)
        text = _PHONE.sub(
            lambda m: "{phone}" if re.sub(r"\D", "", m.group(0)) == digits else m.group(0), text
        )
    if values.version:
        version = r"(?<![\d.])" + re.escape(values.version) + r"(?!\.?\d)"
        text = re.sub(version, "{version}", text)
    if values.product:
        text = _slot_product(text, values.product, brand)
    if values.name and len(values.name) >= 2:
        text = text.replace(values.name, "{name}")
    return text


def _slot_product(text: str, product: str, brand: Brand) -> str:
    found = next((p for p in brand.products if p.name == product), None)
    names = {product.lower(), *(found.aliases if found else ())}
    for name in sorted(names, key=len, reverse=True):
        pattern = r"(?<![a-z0-9])" + re.escape(name).replace(r"\ ", r"\s*") + r"(?![a-z0-9])"
        text = re.sub(pattern, "{product}", text, flags=re.I)
    return text


def _check_leftovers(slotted: str, brand: Brand) -> None:
    """Raise Unfit for what is still about one person once the slots are made."""
    rest = _MARK.sub(" ", slotted)
    for fact in sorted(_strings(brand.facts), key=len, reverse=True):
        if len(fact) >= 4:
            rest = rest.replace(fact, " ")  # the hotline, the store's address are the brand's
    if _PHONE.search(rest):
        raise Unfit("回复里有别的手机号，无法替换成新提及的")
    if _EMAIL.search(rest):
        raise Unfit("回复里有邮箱地址")
    if _ADDRESS.search(rest):
        raise Unfit("回复里有具体地址")
    if _HANDLE.search(rest):
        raise Unfit("回复里@了某个人")
    facts = facts_of(rest)
    if facts.order or facts.tracking or _LONG_NUMBER.search(rest):
        raise Unfit("回复里有不属于这条提及的单号或号码")


def _strings(value: Any) -> Iterator[str]:
    """Every text in the brand facts (tables, lists and values)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, SimpleNamespace):
        for item in vars(value).values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
