"""The week's voice of the customer from the real pipeline and the reports' rollups: the
demo feed understood as it is in production, counted by the rollup step, read back by
`voice_of` and by `tiexin report voc`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from connectors.model import Mention
from connectors.replay import demo_path
from responder.cli import main
from responder.config import ReportsConfig, defaults
from responder.pipeline.worker import Pipeline
from responder.reports.rollup import Rollup
from responder.store.store import Store
from responder.voice.render import week_of
from responder.voice.topics import Voice
from responder.voice.week import products_of, voice_of
from tests.fakes import FakeClock

ZONE = "Asia/Shanghai"


async def _demo_counted(store: Store, pipeline: Pipeline, clock: FakeClock) -> None:
    lines = demo_path().read_text("utf-8").splitlines()
    mentions = [Mention.from_json(line) for line in lines]
    for start in range(0, len(mentions), 100):
        await store.ingest("demo", mentions[start : start + 100], None, clock.now())
        while await pipeline.run_once(block_ms=None):
            pass
    rollup = Rollup(store, ReportsConfig(), ZONE)
    while await rollup.step() == 0:
        pass


def _named(found: Voice, intent: str) -> set[str]:
    return {p for t in found.topics if t.intent == intent for p in t.phrases}


async def test_the_demo_week_names_the_fire_the_battery_drain_and_lag(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _demo_counted(store, pipeline, clock)
    week = week_of(clock.now().date(), ZONE)
    found = await voice_of(store, week, names=products_of(defaults()))
    assert found.complaints > 100
    intents = [t.intent for t in found.topics]
    assert {"crisis", "battery", "lag"} <= set(intents)
    assert {"起火", "烫伤"} & _named(found, "crisis")  # the charging fire
    assert {"耗电", "掉电", "电池", "更新"} & (
        _named(found, "battery") | _named(found, "system_update")
    )
    assert all(t.samples for t in found.topics[:5])  # quoted from the day's samples
    assert not {"澜星", "x7", "pro"} & {p.lower() for t in found.topics for p in t.phrases}
    assert found.products and all(sum(felt.values()) > 0 for felt in found.products.values())
    before = await voice_of(store, week.before)
    assert before.topics == ()  # nothing was counted the week before


async def test_tiexin_report_voc_prints_the_week(
    store: Store,
    pipeline: Pipeline,
    clock: FakeClock,
    redis_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _demo_counted(store, pipeline, clock)
    config = tmp_path / "config.toml"
    config.write_text(f'[redis]\nurl = "{redis_url}"\nprefix = "test"\n', "utf-8")
    week = week_of(clock.now().date(), ZONE).name
    args = ["report", "voc", "--config", str(config), "--week", week]
    assert await asyncio.to_thread(main, args) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"# 客户之声 {week}\n") and "危机" in out
    assert await asyncio.to_thread(main, [*args, "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("\ufeff客户之声")
    assert await asyncio.to_thread(main, [*args[:-1], "2026-49"]) == 2
    assert "week must look like 2026-W49" in capsys.readouterr().err
