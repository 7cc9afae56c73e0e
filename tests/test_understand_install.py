"""`tiexin drafts train`: a retrain learns agents' corrections, and a running pipeline (its
real scoring worker process) takes an installed model up without a restart."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from responder.cli import main
from responder.drafts.understand_eval import understand_row
from responder.drafts.understand_model import Installed, UnderstandModel, default_model_path
from responder.pipeline.inputs import MODEL_EVERY
from responder.pipeline.scoring import ScoringPool
from responder.store.intent import IntentStore
from responder.store.keys import mention_id
from responder.store.models import corrections, install, installed
from responder.store.store import Store
from sentiment import score_texts
from tests.conftest import make_pipeline
from tests.fakes import FakeClock, mention

DATA = Path(__file__).resolve().parent / "data"
ODD = "这个颜色我妈很喜欢"  # a text no labelled row says is an occasion


@pytest.fixture(scope="module")
def own_pool() -> Iterator[ScoringPool]:
    """A pool of its own: the installed model must not leak into other tests' workers."""
    pool = ScoringPool(1)
    pool.start()
    assert pool.wait_ready()
    yield pool
    pool.stop()


def _greeting_model(path: Path) -> str:
    """The shipped model, but sure that everything is a greeting; returns its sha256."""
    with gzip.open(default_model_path(), "rb") as handle:
        blob = handle.read()
    (size,) = struct.unpack(">I", blob[:4])
    meta = json.loads(blob[4 : 4 + size])
    for head in meta["heads"]:
        if head["name"] == "intent":
            head["bias"] = [50.0 if c == "greeting" else -50.0 for c in head["classes"]]
    header = json.dumps(meta, ensure_ascii=False).encode()
    with gzip.open(path, "wb") as handle:
        handle.write(struct.pack(">I", len(header)) + header + blob[4 + size :])
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_a_running_pipeline_takes_up_an_installed_model_without_restarting(
    store: Store, own_pool: ScoringPool, clock: FakeClock, tmp_path: Path
) -> None:
    pipeline = make_pipeline(store, own_pool, clock)
    text = "X7 又卡了，烦死了"
    shipped = default_model_path()
    shipped_sha = hashlib.sha256(shipped.read_bytes()).hexdigest()
    await install(store.redis, store.keys, str(shipped), shipped_sha, clock.now(), "test")
    await store.ingest("demo", [mention("1", text=text)], "c1", clock.now())
    assert await pipeline.run_once() == 1
    first = await store.mention(mention_id("weibo", "lanxing", "1"))
    assert first is not None and first["intent"] == "lag"
    path = tmp_path / "greeting.tum.gz"
    sha = _greeting_model(path)
    done = await install(store.redis, store.keys, str(path), sha, clock.now(), "test")
    assert await installed(store.redis, store.keys) == done == Installed(2, str(path), sha)
    clock.advance(MODEL_EVERY)  # the pipeline looks again
    await store.ingest("demo", [mention("2", text=text)], "c2", clock.now())
    assert await pipeline.run_once() == 1
    second = await store.mention(mention_id("weibo", "lanxing", "2"))
    assert second is not None and second["intent"] == "greeting"
    # A file that is not what was installed is refused; the worker keeps the one in use.
    path.write_bytes(default_model_path().read_bytes())
    await install(store.redis, store.keys, str(path), "0" * 64, clock.now(), "test")
    clock.advance(MODEL_EVERY)
    await store.ingest("demo", [mention("3", text=text)], "c3", clock.now())
    assert await pipeline.run_once() == 1
    third = await store.mention(mention_id("weibo", "lanxing", "3"))
    assert third is not None and third["intent"] == "greeting"
    # Going back to a file installed before is one more install.
    await install(store.redis, store.keys, str(shipped), shipped_sha, clock.now(), "test")
    clock.advance(MODEL_EVERY)
    await store.ingest("demo", [mention("4", text=text)], "c4", clock.now())
    assert await pipeline.run_once() == 1
    fourth = await store.mention(mention_id("weibo", "lanxing", "4"))
    assert fourth is not None and fourth["intent"] == "lag"


def _config(tmp_path: Path, redis_url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[redis]\nurl = "{redis_url}"\nprefix = "test"\ndata_dir = "{tmp_path / "data"}"\n',
        encoding="utf-8",
    )
    return path


def _subset(tmp_path: Path, name: str, every: int) -> Path:
    lines = (DATA / f"understanding_{name}.jsonl").read_text("utf-8").splitlines()
    path = tmp_path / f"{name}.jsonl"
    path.write_text("\n".join(lines[::every]) + "\n", "utf-8")
    return path


async def test_a_retrain_learns_an_agents_intent_correction(
    store: Store, own_pool: ScoringPool, clock: FakeClock, tmp_path: Path, redis_url: str
) -> None:
    pipeline = make_pipeline(store, own_pool, clock)
    await store.ingest("demo", [mention("9", text=ODD)], "c9", clock.now())
    await pipeline.run_once()
    mid = mention_id("weibo", "lanxing", "9")
    config, base = _config(tmp_path, redis_url), _subset(tmp_path, "train", 12)
    held = _subset(tmp_path, "train", 25)  # a test looks at no held-out row
    args = ["drafts", "train", "--config", str(config), "--base", str(base)]
    args += ["--heldout", str(held)]
    assert await asyncio.to_thread(main, args) == 0  # no correction yet
    before = await installed(store.redis, store.keys)
    assert before is not None and before.version == 1
    intents = IntentStore(store.redis, store.keys, 1000, 1000)
    assert await intents.correct(mid, "occasion", "agent1", clock.now())
    assert await store.correct(mid, "positive", "agent1", clock.now())
    fixes = await corrections(store.redis, store.keys)
    assert [(f["text"], f["intent"], f["sentiment"], f["platform"]) for f in fixes] == [
        (ODD, "occasion", "pos", "weibo")
    ]
    assert await asyncio.to_thread(main, args) == 0
    after = await installed(store.redis, store.keys)
    assert after is not None and after.version == 2 and after.sha256 != before.sha256
    row = {"text": ODD, "platform": "weibo", "kind": "mention", "context": []}
    mood = score_texts([ODD])[0]
    old = understand_row(row, mood, UnderstandModel(Path(before.path)))
    new = understand_row(row, mood, UnderstandModel(Path(after.path)))
    assert old.intent != "occasion" and new.intent == "occasion"
