"""A week's voice of the customer from the reports' rollups: the days' topic and product
counts (`v:`, `vp:` fields of the day hashes: responder/reports/tally.py) and the days'
sampled complaints, read again for their words."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import cast

from responder.config import Config
from responder.drafts.brand import load_brand
from responder.drafts.drafter import default_directory
from responder.store.store import Store
from responder.voice.render import Week
from responder.voice.topics import FIELDS, Voice, from_counts, said_of

READ = 200  # mentions a read


async def voice_of(store: Store, week: Week, *, names: tuple[str, ...] = ()) -> Voice:
    """The report of `week` against the week before it."""
    counts, felt, ids = await _week(store, week)
    before, _, _ = await _week(store, week.before)
    total = counts.pop("", 0)
    rows = []
    for start in range(0, len(ids), READ):
        part = ids[start : start + READ]
        rows += await store.mentions(part, ("id", "text", "author_followers", *FIELDS))
    before.pop("", None)
    samples = [said_of(r) for r in rows]
    # jieba's TF-IDF is CPU work (its first use loads its dictionary, about a second): a
    # web handler asks for it too, so it runs off the event loop.
    return await asyncio.to_thread(
        from_counts, counts, before, felt, samples, total=total, names=names
    )


async def _week(store: Store, week: Week) -> tuple[Counter[str], Counter[str], list[str]]:
    days = [(week.start + timedelta(days=n)).date().isoformat() for n in range(7)]
    async with store.redis.pipeline(transaction=False) as pipe:
        for day in days:
            pipe.hgetall(store.keys.report_day(day))
        for day in days:
            pipe.lrange(store.keys.voice_samples(day), 0, -1)
        replies = await pipe.execute()
    topics: Counter[str] = Counter()
    felt: Counter[str] = Counter()
    for fields in cast(list[dict[str, str]], replies[:7]):
        for name, value in fields.items():
            if name == "in":
                topics[""] += int(value)  # every mention taken in (the "" topic)
            elif name.startswith("v:"):
                topics[name[2:]] += int(value)
            elif name.startswith("vp:"):
                felt[name[3:]] += int(value)
    ids = [mid for found in cast(list[list[str]], replies[7:]) for mid in found]
    return topics, felt, ids


def products_of(config: Config) -> tuple[str, ...]:
    """The brand's and its products' names (and their aliases, word by word): what no topic
    is named by."""
    brand = load_brand((config.drafts.templates or default_directory()) / "brand.toml")
    names = [str(getattr(brand.facts, "name", ""))]
    for product in brand.products:
        names += [product.name, *product.name.split(), *product.aliases]
        names += [word for alias in product.aliases for word in alias.split()]
    return tuple(dict.fromkeys(n for n in names if n))
