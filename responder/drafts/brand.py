"""Brand facts from templates/drafts/brand.toml: what templates may say about the brand."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from responder.drafts.data import read_table
from responder.drafts.tokens import fold

_LEFT, _RIGHT = r"(?<![a-z0-9])", r"(?![a-z0-9])"
_REQUIRED = ("name", "hotline", "store_finder", "crisis_channel", "escalation_channel")


class BrandError(ValueError):
    """A brand file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class Product:
    name: str
    aliases: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = ()

    def __post_init__(self) -> None:
        # A Latin edge must not touch another letter or digit: "x7" is not in "vivo x70",
        # nor "pad" in "ipad".
        found = tuple(re.compile(_LEFT + re.escape(a) + _RIGHT) for a in self.aliases)
        object.__setattr__(self, "patterns", found)


@dataclass(frozen=True, slots=True)
class Brand:
    """The facts templates read as `brand.*`, and the products a mention may name."""

    facts: SimpleNamespace
    products: tuple[Product, ...]

    def product_in(self, text: str) -> str:
        """Return the product a text names first (the longest alias where two start
        together: "x7 pro" before "x7"), or "" if it names none."""
        folded = fold(text)
        best: tuple[int, int, str] | None = None
        for product in self.products:
            for pattern in product.patterns:
                match = pattern.search(folded)
                if match is None:
                    continue
                at, size = match.start(), match.end() - match.start()
                if best is None or (at, -size) < best[:2]:
                    best = (at, -size, product.name)
        return best[2] if best else ""


def load_brand(path: Path) -> Brand:
    """Read a brand file; every problem is a BrandError naming the file and key."""
    data = read_table(path, BrandError)
    for key in _REQUIRED:
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise BrandError(f"{path}: {key}: required, a non-empty string")
    products = []
    for index, row in enumerate(data.pop("products", [])):
        name, aliases = row.get("name") if isinstance(row, dict) else None, row.get("aliases")
        if not isinstance(name, str) or not isinstance(aliases, list) or not aliases:
            raise BrandError(f"{path}: products[{index}]: needs a name and a list of aliases")
        if not all(isinstance(a, str) and a for a in aliases):
            raise BrandError(f"{path}: products[{index}].aliases: non-empty strings only")
        products.append(Product(name=name, aliases=tuple(fold(a) for a in aliases)))
    return Brand(facts=_attributes(data), products=tuple(products))


def _attributes(value: Any) -> Any:
    """Turn tables into namespaces, so `brand.policy.update` in a template is the fact
    named update, never a dict's method of that name."""
    if isinstance(value, dict):
        return SimpleNamespace(**{k: _attributes(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_attributes(v) for v in value]
    return value
