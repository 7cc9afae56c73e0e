"""Spike alerts (responder/voice/spikes.py): what counts as well above the usual level, and
a spike paged once through the real notifier to a fake robot, however often it is found."""

from __future__ import annotations

from responder.store.store import Store
from responder.voice.spikes import Sample, Spike, page, rising
from tests.alerting import rig
from tests.fakes import FakeClock, entries

BATTERY = Spike(
    subject="topic:battery|update",
    name="续航 · 更新：耗电、掉电",
    count=14,
    usual=1.5,
    window_min=60,
    samples=(
        Sample(id="m1", text="更新 5.1 之后一天三充", link="http://t/?m=m1"),
        Sample(id="m2", text="升级完掉电飞快", link="http://t/?m=m2"),
    ),
)


def test_well_above_the_usual_level_is_a_spike_and_the_busy_or_few_are_not() -> None:
    now = {"quiet": 12, "busy": 30, "few": 4, "new": 6, "steady": 9}
    before = {
        "quiet": [1, 2, 1, 0, 2, 1, 1],  # about 1 an hour: 12 is far above
        "busy": [20, 22, 19, 25, 21, 18, 24],  # about 21: 30 is within its swing
        "few": [0, 0, 0, 0, 0, 0, 0],  # never before, but 4 is too few to page for
        "steady": [3, 4, 3, 3, 4, 3, 4],  # 9 is under three times its 3.4
    }
    found = rising(now, before, days=7)
    assert [(s, n) for s, n, _ in found] == [("quiet", 12), ("new", 6)]
    assert found[0][2] == 8 / 7


async def test_a_spike_pages_once_with_what_people_said(store: Store, clock: FakeClock) -> None:
    async with rig(store, clock) as r:
        notifier = await r.started()
        assert await page(store.redis, store.keys, BATTERY, clock.now(), maxlen=1000)
        clock.advance(600)  # the next window finds it again, another process too
        assert not await page(store.redis, store.keys, BATTERY, clock.now(), maxlen=1000)
        assert len(await entries(store.redis, store.keys.alerts)) == 1
        await notifier.step()
        [paged] = r.pages()
        assert paged["title"] == "【话题激增】续航 · 更新：耗电、掉电 · 近 1小时 14 条"
        body = "\n".join(paged["lines"])
        assert "平时同一时段约 1.5 条" in body
        assert "「更新 5.1 之后一天三充」 http://t/?m=m1" in body
        assert paged["severity"] == "breach"
        assert [p["name"] for p in paged["to"]] == ["zhao"]
        clock.advance(86400)  # the next day it may page again
        assert await page(store.redis, store.keys, BATTERY, clock.now(), maxlen=1000)
