"""A mention's hash is written compactly (store/packed.py) and reads back as written,
through every read path; hashes written before read the same."""

from __future__ import annotations

from typing import Any

from responder.pipeline.worker import Pipeline
from responder.store import packed
from responder.store.keys import mention_id
from responder.store.store import Store
from responder.store.views import API_FIELDS, to_api
from tests.fakes import FakeClock, mention

USUAL = {"author_verified": "0", "at_risk": "0", "followups": "0"}


def test_usual_values_take_no_field_and_read_back() -> None:
    fields = {"id": "a", "created_at": "5.000", "clock_start": "5.000", **USUAL}

    stored = packed.pack(fields)

    assert stored == {"id": "a", "created_at": "5.000"}
    assert packed.unpack(stored) == fields
    assert packed.unpack(stored, ["clock_start", "id"]) == {"clock_start": "5.000", "id": "a"}
    assert "created_at" in packed.fetch(["clock_start"])  # what it is read from


def test_unusual_values_are_kept() -> None:
    fields = {"created_at": "5.000", "clock_start": "9.000", "at_risk": "1", "followups": "2"}
    assert packed.pack(fields) == fields
    assert packed.unpack(fields) == {**fields, "author_verified": "0"}


def test_no_hash_reads_as_none() -> None:
    assert packed.unpack({}) == {}
    assert packed.unpack({}, API_FIELDS) == {}


async def test_a_queued_mention_keeps_no_usual_values_and_shows_them(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await store.ingest("demo", [mention("1")], None, clock.now())
    assert await pipeline.run_once() == 1
    mid = mention_id("weibo", "lanxing", "1")

    stored = await store.redis.hgetall(store.keys.mention(mid))
    row = await store.mention(mid)
    [listed] = await store.mentions([mid])

    assert not set(USUAL) & set(stored)
    assert row is not None and {name: row[name] for name in USUAL} == USUAL
    assert row["clock_start"] == row["created_at"]
    assert {name: listed[name] for name in ("at_risk", "author_verified")} == {
        "at_risk": "0",
        "author_verified": "0",
    }
    shown = to_api(listed, clock.now())
    assert (shown["at_risk"], shown["author"]["verified"], shown["followups"]) == (False, False, 0)


async def test_a_hash_written_before_reads_the_same(store: Store) -> None:
    old = {
        "id": "old1",
        "state": "queued",
        "created_at": "100.000",
        "clock_start": "160.000",
        "author_verified": "1",
        "at_risk": "1",
        "followups": "0",
    }
    await store.redis.hset(store.keys.mention("old1"), mapping=dict[Any, Any](old))

    assert await store.mention("old1") == old
    assert await store.mentions(["old1"], list(old)) == [old]
    assert await store.mention("old1", ["clock_start", "at_risk"]) == {
        "clock_start": "160.000",
        "at_risk": "1",
    }
