"""Drafts are stored compactly (a zstd frame against the templates' own words) and every
stored value stays readable: plain JSON from before, another process's dictionary, an
edited template's."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import orjson
import pytest

from connectors.model import Mention
from connectors.replay import demo_path
from responder.drafts.drafter import default_directory
from responder.pipeline.worker import Pipeline
from responder.store.packing import PACKER, Packer, UnknownDictionary, dictionary_of
from responder.store.store import Store
from tests.fakes import FakeClock

DRAFTS = [
    (
        "包裹一直没消息，换谁都坐不住，是我们没跟好。我们马上联系快递核实，有进展第一时间告诉你。",
        "shipping/upset_1",
    ),
    ("让你等这么久，是我们的问题。私信订单号，我们盯着物流。", "shipping/upset_3"),
    (
        "订单进度在这里能查到：https://www.lanxing.example/orders 物流查不到就私信我们。",
        "shipping/upset_4",
    ),
]


def test_drafts_pack_to_a_third_of_their_json_and_back() -> None:
    packer = Packer()
    value = packer.pack(DRAFTS)
    plain = orjson.dumps([list(d) for d in DRAFTS])
    assert value.startswith("z2:") and len(value.encode()) < len(plain) * 0.45
    assert packer.unpack(value) == [list(d) for d in DRAFTS]


def test_plain_json_from_before_still_reads() -> None:
    assert Packer().unpack('[["在的，说说看", "chit_chat/neutral_1"]]') == [
        ["在的，说说看", "chit_chat/neutral_1"]
    ]
    assert Packer().unpack(None) == [] and Packer().unpack("") == []


def test_an_edited_template_makes_a_new_dictionary(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(default_directory(), folder)
    before = dictionary_of(folder)
    assert before == dictionary_of(default_directory())
    shipping = folder / "shipping.j2"
    shipping.write_text(shipping.read_text("utf-8") + "\n{# 改过 #}物流我们一直盯着。\n", "utf-8")
    assert dictionary_of(folder) != before
    (folder / "kb.toml").unlink()  # a folder from before the knowledge base: the packaged one
    assert "价保" in dictionary_of(folder, default_directory()).decode()


def test_a_value_packed_elsewhere_needs_that_dictionary(tmp_path: Path) -> None:
    other = Packer()
    other.use(b"\xe7\x89\xa9\xe6\xb5\x81 another process's templates")
    value = other.pack(DRAFTS)
    reader = Packer()
    assert reader.missing(value) == value.split(":")[1]
    with pytest.raises(UnknownDictionary):
        reader.unpack(value)
    reader.learn(b"\xe7\x89\xa9\xe6\xb5\x81 another process's templates")
    assert reader.missing(value) is None and reader.unpack(value) == [list(d) for d in DRAFTS]


def _demo(n: int) -> list[Mention]:
    lines = demo_path().read_text("utf-8").splitlines()[:n]
    return [Mention.from_json(line) for line in lines]


async def test_the_pipeline_stores_packed_drafts_and_reads_them_back(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    mentions = _demo(20)
    await store.ingest("demo", mentions, None, clock.now())
    while await pipeline.run_once():
        pass
    ids = [str(mid) for mid in await store.redis.zrange(store.keys.queue, 0, -1)]
    raw = [str(await store.redis.hget(store.keys.mention(mid), "drafts")) for mid in ids]
    assert raw and all(value.startswith("z2:") for value in raw)
    ident = raw[0].split(":")[1]
    assert await store.redis.get(store.keys.drafts_dictionary(ident)) is not None
    row = await store.mention(ids[0])
    assert row is not None
    drafts = orjson.loads(row["drafts"])
    assert len(drafts) == 3 and all(text and "/" in template for text, template in drafts)


async def test_another_process_dictionary_is_fetched_from_redis(store: Store) -> None:
    writer = Packer()  # another process, its templates edited since this one started
    dictionary = "物流我们一直盯着，包裹一直没消息".encode() + dictionary_of(default_directory())
    ident = writer.use(dictionary)
    await store.redis.set(store.keys.drafts_dictionary(ident), dictionary.decode())
    await store.redis.hset(store.keys.mention("m1"), mapping={"drafts": writer.pack(DRAFTS)})
    assert PACKER.missing(writer.pack(DRAFTS)) == ident
    row = await store.mention("m1", ("drafts",))
    assert row is not None and orjson.loads(row["drafts"]) == [list(d) for d in DRAFTS]


async def test_a_lost_dictionary_shows_no_drafts_and_says_why(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    writer = Packer()
    writer.use("一本从没存进 Redis 的词典".encode())
    await store.redis.hset(
        store.keys.mention("m2"), mapping={"drafts": writer.pack(DRAFTS), "state": "queued"}
    )
    with caplog.at_level(logging.ERROR):
        row = await store.mention("m2")
    assert row is not None and row["state"] == "queued" and orjson.loads(row["drafts"]) == []
    assert "is gone from Redis" in caplog.text
