"""The voice's watch (responder/voice/watch.py) through the real pipeline, the rollups and
the real notifier to a fake robot: a complaint topic rising well above the same hours of
the days before pages once with what people said; the weekly digest goes out once, when
it is due, to nobody in particular."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from connectors.model import Author
from responder.config import Config, ReportsConfig, defaults
from responder.pipeline.worker import Pipeline
from responder.reports.rollup import Rollup
from responder.store.store import Store
from responder.voice.watch import VoiceWatch
from tests.alerting import rig
from tests.fakes import FakeClock, entries, mention
from tests.test_voice_week import _demo_counted

ZONE = ZoneInfo("Asia/Shanghai")
BATTERY = "X7 更新到新版本以后掉电特别快，满电用到中午就只剩{n}%了，续航太差"
LAG = "澜星 Pad 打开相册卡了{n}秒才动，太卡了"


def _config(**reports: object) -> Config:
    return replace(defaults(), reports=ReportsConfig(**reports))  # type: ignore[arg-type]


def _at(clock: FakeClock, moment: datetime) -> None:
    clock.advance((moment - clock.now()).total_seconds())


async def _said(store: Store, pipeline: Pipeline, clock: FakeClock, texts: list[str]) -> None:
    """Take in `texts`, each from another person, understood and counted as in production."""
    base = int(clock.now().timestamp())
    found = [
        mention(
            f"{base}-{n}",
            text=text,
            created_at=clock.now(),
            author=Author(id=f"u{base}{n}", name=f"网友{n}", followers=n * 10),
        )
        for n, text in enumerate(texts)
    ]
    await store.ingest("demo", found, None, clock.now())
    while await pipeline.run_once(block_ms=None):
        pass
    rollup = Rollup(store, ReportsConfig(), "Asia/Shanghai")
    while await rollup.step() == 0:
        pass


async def _digests(store: Store) -> list[object]:
    found = await entries(store.redis, store.keys.alerts)
    return [fields for _, fields in found if fields.get("stage") == "digest"]


async def _history(store: Store, pipeline: Pipeline, clock: FakeClock, days: int) -> None:
    """`days` ordinary days: at 09:10 one battery complaint and three about lag."""
    for _ in range(days):
        await _said(
            store, pipeline, clock, [BATTERY.format(n=30), *(LAG.format(n=n) for n in (3, 4, 5))]
        )
        clock.advance(86400)


async def test_a_topic_far_above_its_usual_hours_pages_once_with_what_was_said(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    _at(clock, datetime(2026, 11, 23, 9, 10, tzinfo=ZONE))
    await _history(store, pipeline, clock, days=7)  # now Monday 11-30 09:10
    watch = VoiceWatch(store, _config(), clock)
    burst = [BATTERY.format(n=n) for n in range(10, 22)]  # twelve in half an hour
    await _said(store, pipeline, clock, [*burst, LAG.format(n=6), LAG.format(n=7)])
    clock.advance(30 * 60)
    async with rig(store, clock) as r:
        notifier = await r.started()
        [spike] = await watch.spikes(clock.now())
        assert spike.count == 12 and spike.usual == 1.0
        assert spike.subject.startswith("topic:battery")  # lag (5 against 3) is its usual
        assert spike.window_min == 100  # 08:00 to 09:40
        assert len(spike.samples) == 3
        assert spike.samples[0].text == BATTERY.format(n=21)  # the most followed first
        clock.advance(300)
        await watch.step()  # five minutes on, still far above: paged already today
        assert len(await entries(store.redis, store.keys.alerts)) == 1
        await notifier.step()
        [paged] = r.pages()
        assert paged["title"].startswith("【话题激增】续航")
        assert paged["title"].endswith("近 1小时40分 12 条")
        assert "平时同一时段约 1 条。" in paged["lines"]
        assert any(f"?m={spike.samples[0].id}" in line for line in paged["lines"])


async def test_too_little_history_judges_nothing(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    _at(clock, datetime(2026, 11, 23, 9, 10, tzinfo=ZONE))
    await _history(store, pipeline, clock, days=2)  # a new install: two days of counts
    await _said(store, pipeline, clock, [BATTERY.format(n=n) for n in range(10, 22)])
    assert await VoiceWatch(store, _config(), clock).spikes(clock.now()) == []
    clock.advance(86400)  # three days of history now, the burst's day among them: 1, 1, 12
    again = [BATTERY.format(n=n) for n in range(30, 70)]
    await _said(store, pipeline, clock, again)
    [spike] = await VoiceWatch(store, _config(), clock).spikes(clock.now())
    assert (spike.count, spike.usual) == (40, 14 / 3)


async def test_the_weekly_digest_goes_out_once_when_due(
    store: Store, pipeline: Pipeline, clock: FakeClock
) -> None:
    await _demo_counted(store, pipeline, clock)  # Friday 2026-11-20 (W47)
    watch = VoiceWatch(store, _config(digest="mon 09:30", spikes=False), clock)
    _at(clock, datetime(2026, 11, 23, 9, 29, tzinfo=ZONE))
    async with rig(store, clock) as r:
        notifier = await r.started()
        assert not await watch.digest(clock.now())  # due at 09:30, and W46 said nothing
        clock.advance(60)
        assert await watch.digest(clock.now())
        assert await watch.step() == 60  # a minute on: sent already
        assert len(await _digests(store)) == 1
        await notifier.step()
        [paged] = r.pages()
        assert paged["title"] == "【客户之声】2026-W47 周报"
        assert paged["severity"] == "info" and paged["to"] == [] and not paged["ack_link"]
        assert paged["link"] == "http://127.0.0.1:8080/reports?week=2026-W47#voice"
        body = "\n".join(paged["lines"])
        assert "2026年11月16日–11月22日（Asia/Shanghai）" in body
        assert "危机：起火、烫伤" in body and "续航：电池、耗电" in body  # the demo's own
        assert "（上周 0，+21）" in body and "各产品口碑：X7：" in body
        assert len(body.encode()) < 3000  # WeCom takes 4,096 bytes of markdown
        clock.advance(7 * 86400)  # the next Monday: W48 took nothing in, nothing is sent
        assert not await watch.digest(clock.now())
        assert await _digests(store) == []


def test_a_digest_time_that_is_no_time_is_refused() -> None:
    for bad in ("monday 9:30", "mon 24:00", "mon 9"):
        try:
            ReportsConfig(digest=bad)
        except ValueError as exc:
            assert "digest must" in str(exc)
        else:
            raise AssertionError(f"{bad!r} was taken")
    assert ReportsConfig(digest="Sun 18:05").digest == "Sun 18:05"
