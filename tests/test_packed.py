"""A mention's hash is written compactly (store/packed.py) and reads back as written,
through every read path; hashes written before read the same."""

from __future__ import annotations

from typing import Any, cast
from unittest.mock import ANY

from hypothesis import example, given
from hypothesis import strategies as st

from responder.alerts.store import AlertStore
from responder.pipeline.worker import Pipeline
from responder.store import packed
from responder.store.keys import mention_id
from responder.store.store import Store
from responder.store.views import API_FIELDS, DETAIL_FIELDS, to_api
from tests.fakes import FakeClock, mention

USUAL = {"author_verified": "0", "at_risk": "0", "followups": "0"}


def test_usual_values_take_no_field_and_read_back() -> None:
    fields = {"id": "a", "created_at": "5.000", "clock_start": "5.000", **USUAL}

    stored = packed.pack(fields)

    assert stored == {"id": "a", "w": '[null,null,null,null,"5.000"]'}
    assert packed.unpack(stored) == fields
    assert packed.unpack(stored, ["clock_start", "id"]) == {"clock_start": "5.000", "id": "a"}
    assert "created_at" in packed.fetch(["clock_start"])  # what it is read from


def test_unusual_values_are_kept() -> None:
    fields = {"created_at": "5.000", "clock_start": "9.000", "at_risk": "1", "followups": "2"}
    stored = packed.pack(fields)
    assert stored == {"clock_start": "9.000", "at_risk": "1", "followups": "2", "w": ANY}
    assert packed.unpack(stored) == {**fields, "author_verified": "0"}


MEMBERS = sorted(packed.GROUP_OF)
# Texts, and texts that look like JSON: numbers in every spelling, lists, literals.
VALUES = st.one_of(
    st.text(max_size=12),
    st.integers(-(10**25), 10**25).map(str),
    st.floats(allow_nan=False).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda x: f"{x:.3f}"),
    st.sampled_from(
        ["[]", '["起火",1]', '{"a":[1,2]}', "true", "null", "-0", "01", "1e5", "[1, 2]"]
    ),
)


@given(st.dictionaries(st.sampled_from(MEMBERS), VALUES))
def test_every_value_reads_back_as_written(members: dict[str, str]) -> None:
    fields = {"id": "m", **members}
    stored = packed.pack(fields)
    assert not set(stored) & set(MEMBERS)
    assert packed.unpack(stored) == {**USUAL, **fields} | _clock(fields)


@given(
    st.dictionaries(st.sampled_from(MEMBERS), VALUES),
    st.sets(st.sampled_from([*MEMBERS, "clock_start", "id", *packed.DEFAULTS])),
)
@example({"created_at": "1796570816.027", "queued_at": "1796570816.059"}, {"queued_at"})
def test_a_reader_of_some_fields_gets_those_as_written(
    members: dict[str, str], names: set[str]
) -> None:
    """Only the members asked for are expanded (times after created_at included)."""
    fields = {"id": "m", **members}
    full = {**USUAL, **fields} | _clock(fields)
    stored = packed.pack(fields)
    names.add("id")  # a hash read as nothing is no hash
    read = {k: v for k, v in stored.items() if k in packed.fetch(names)}
    assert packed.unpack(read, names) == {n: full[n] for n in names if n in full}


def _clock(fields: dict[str, str]) -> dict[str, str]:
    return {"clock_start": fields["created_at"]} if "created_at" in fields else {}


def test_times_are_kept_as_seconds_after_the_writing_when_they_read_back() -> None:
    times = {"created_at": "1796570816.027", "ingested_at": "1796570816.059"}
    assert packed.pack(times)["w"] == "[null,null,null,null,1796570816.027,0.032]"
    for odd in ("inf", "1.5", "1796570816.0590", "-0.000", "x"):
        fields = {**times, "queued_at": odd}
        assert packed.unpack(packed.pack(fields), fields) == fields


def test_what_is_written_once_stays_apart_when_together_it_would_pass_1_kb() -> None:
    long = {"id": "m", "url": "https://weibo.com/" + "x" * 600, "thread_id": "t" * 500}
    assert packed.pack(long) == long  # the hash keeps its compact encoding
    assert packed.unpack(packed.pack(long)) == {**USUAL, **long}
    short = {**long, "thread_id": "t1"}
    assert set(packed.pack(short)) == {"id", "w"}


def test_a_group_hides_the_separate_fields_written_before() -> None:
    # A hash written before, whose conversation a follow-up told more: its `u` wins.
    old = {"id": "h", "intents": '["old"]', "product": "X7", "role": "media"}
    row = {**old, "u": '["customer",null,null,null,null,["refund"]]'}
    assert packed.unpack(row) == {**USUAL, "id": "h", "role": "customer", "intents": '["refund"]'}
    assert packed.unpack(old) == {**USUAL, **old}  # no group: the fields as they are


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


async def _every_read(store: Store, mid: str) -> list[Any]:
    """What each read path gives of one mention."""
    closing = await store.for_closing(mid, ("state", "author_id", "thread_id", "role"))
    return [
        await store.mention(mid),
        await store.mention(mid, DETAIL_FIELDS),
        await store.mentions([mid]),
        await store.queue(10),
        closing,
        await store.events_of(mid),
        await AlertStore(store).mentions([mid]),
    ]


async def test_every_read_gives_the_same_of_a_hash_written_before(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    threaded = mention("1", thread_id="t1", url="https://weibo.com/u1/1")
    await store.ingest("demo", [threaded], None, clock.now())
    assert await pipeline.run_once() == 1
    mid = mention_id("weibo", "lanxing", "1")
    key = store.keys.mention(mid)
    new = await _every_read(store, mid)
    stored = cast(dict[str, str], await store.redis.hgetall(key))
    assert {"w", "u"} <= set(stored) and not {"author_id", "role", "lag_s"} & set(stored)

    # The layout before: every field of its own, usual values written out.
    log = {name: value for name, value in stored.items() if name.startswith("e:")}
    before = {**packed.unpack(stored), **log}
    assert {"author_id", "role", "lag_s", "at_risk", "clock_start"} <= set(before)
    await store.redis.delete(key)
    await store.redis.hset(key, mapping=dict[Any, Any](before))

    assert await _every_read(store, mid) == new


async def test_a_follow_up_telling_more_overrides_a_head_written_before(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    chat = {"platform": "wechat", "kind": "message", "thread_id": "openid-1"}
    await store.ingest("demo", [mention("1", text="你好", **chat)], None, clock.now())
    await pipeline.run_once()
    head_id = mention_id("wechat", "lanxing", "1")
    key = store.keys.mention(head_id)
    stored = cast(dict[str, str], await store.redis.hgetall(key))
    before = {**packed.unpack(stored), "intents": '["greeting"]', "product": "X7"}
    await store.redis.delete(key)  # the head as written before, every field its own
    await store.redis.hset(key, mapping=dict[Any, Any](before))
    clock.advance(30)
    order = "我的订单 LX2026112088123 付款三天了还没发货 能帮忙查一下吗"
    await store.ingest("demo", [mention("2", text=order, **chat)], None, clock.now())
    await pipeline.run_once()

    head = await store.mention(head_id)
    follow = await store.mention(mention_id("wechat", "lanxing", "2"))
    assert head is not None and follow is not None and follow["state"] == "joined"
    for name in (*packed.GROUPS["u"], "intent", "sentiment_label"):
        assert head.get(name) == follow.get(name), name  # the old fields are hidden
    assert head["author_id"] == before["author_id"]  # what it was written with stays
