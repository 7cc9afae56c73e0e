"""The monitor: auth failures, sources down past their threshold and pipeline lag page once
per outage (across processes and restarts) and once more when they clear."""

from __future__ import annotations

import asyncio
import json
import tomllib
from pathlib import Path

import pytest
from redis.asyncio import Redis

from connectors.base import Batch
from connectors.errors import AuthFailed, RateLimited, Unavailable
from responder.alerts.monitor import Monitor
from responder.alerts.monitor_text import system_page
from responder.backoff import Backoff, BackoffPolicy
from responder.config import Config, parse
from responder.ingest.poller import Poller
from responder.store.keys import Keys
from responder.store.store import Store
from tests.fakes import T0, FakeClock, ScriptedConnector, entries

TOKEN = "2.00SecretWeiboToken_9f8e7d6c5b4a"
CONFIG = """
[connectors.brand_weibo]
type = "weibo"
access_token_env = "TEST_WEIBO_TOKEN"
uid = "1234567"
rip = "211.156.0.1"

[connectors.other_weibo]
type = "weibo"
access_token_env = "TEST_WEIBO_TOKEN"
uid = "7654321"
rip = "211.156.0.1"

[connectors.paused]
type = "weibo"
enabled = false
access_token_env = "TEST_WEIBO_TOKEN"
uid = "1111111"
rip = "211.156.0.1"

[alerts]
down_after = "5m"
lag_after = "2m"

[[alerts.overrides]]
platform = "weibo"
down_after = "10m"

[[alerts.overrides]]
platform = "weibo"
account = "brand_weibo"
down_after = "2m"
"""
AT = T0.timestamp()
EMPTY = Batch(mentions=(), cursor=None)


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.setenv("TEST_WEIBO_TOKEN", TOKEN)
    return parse(tomllib.loads(CONFIG), base_dir=tmp_path, source="test")


@pytest.fixture
def monitor(store: Store, config: Config, clock: FakeClock) -> Monitor:
    return Monitor(store, config, clock)


def poller(store: Store, clock: FakeClock, name: str) -> tuple[Poller, ScriptedConnector]:
    connector = ScriptedConnector(name)
    policy = BackoffPolicy(initial=10, factor=2, maximum=60, jitter=0)
    return Poller(connector, store, clock, backoff=Backoff(policy)), connector


async def alerts(store: Store) -> list[dict[str, str]]:
    return [fields for _, fields in await entries(store.redis, store.keys.alerts)]


async def poll_until(clock: FakeClock, poller: Poller, monitor: Monitor, seconds: float) -> None:
    """Let `seconds` pass as the service would: the poller retries, the monitor checks."""
    end = clock.monotonic() + seconds
    while clock.monotonic() < end:
        await poller.run_once()
        wait = await monitor.step()
        assert 0 < wait <= 5
        clock.advance(min(wait, end - clock.monotonic()))
    await poller.run_once()


async def test_auth_failure_pages_at_once_with_the_secret_scrubbed(
    store: Store, clock: FakeClock, monitor: Monitor
) -> None:
    brand, connector = poller(store, clock, "brand_weibo")
    connector.script = [AuthFailed(f"weibo mentions: 21327 expired_token access_token={TOKEN}")]
    await brand.run_once()
    await monitor.step()
    [page] = await alerts(store)
    assert "mention" not in page
    assert page["subject"] == "source:brand_weibo" and page["stage"] == "auth_failed"
    assert page["key"] == f"source:brand_weibo:auth_failed:{AT:.0f}"
    assert page["cycle"] == "1" and page["at"] == page["due"] == f"{AT:.3f}"
    detail = json.loads(page["detail"])
    assert detail["platform"] == "weibo" and detail["account"] == "brand_weibo"
    assert detail["since"] == int(AT) and "21327 expired_token" in detail["reason"]
    assert TOKEN not in page["detail"] and "SecretWeibo" not in page["detail"]
    clock.advance(3600)
    await monitor.step()
    assert len(await alerts(store)) == 1  # the same outage never pages twice


async def test_down_pages_after_its_own_threshold(
    store: Store, clock: FakeClock, monitor: Monitor
) -> None:
    brand, brand_fake = poller(store, clock, "brand_weibo")
    other, other_fake = poller(store, clock, "other_weibo")
    brand_fake.script = [Unavailable("weibo mentions: HTTP 502")] * 50
    other_fake.script = [Unavailable("weibo mentions: HTTP 503")] * 50
    await other.run_once()
    await poll_until(clock, brand, monitor, 119)  # brand_weibo's override: 2 minutes
    assert await alerts(store) == []
    await poll_until(clock, brand, monitor, 2)
    [page] = await alerts(store)
    assert page["subject"] == "source:brand_weibo" and page["stage"] == "source_down"
    detail = json.loads(page["detail"])
    assert detail["state"] == "down" and detail["threshold_s"] == 120
    assert 120 <= detail["down_s"] < 125 and detail["reason"] == "weibo mentions: HTTP 502"
    await poll_until(clock, other, monitor, 600 - 121 - 1)  # weibo's platform rule: 10 min
    assert [p["subject"] for p in await alerts(store)] == ["source:brand_weibo"]
    await poll_until(clock, other, monitor, 2)
    pages = await alerts(store)
    assert [p["subject"] for p in pages] == ["source:brand_weibo", "source:other_weibo"]
    assert json.loads(pages[1]["detail"])["threshold_s"] == 600


async def test_a_rate_limit_waited_out_is_not_down_but_one_that_lasts_is(
    store: Store, clock: FakeClock, monitor: Monitor
) -> None:
    brand, connector = poller(store, clock, "brand_weibo")
    connector.script = [RateLimited("HTTP 429", retry_after=60), *[EMPTY] * 9]
    await poll_until(clock, brand, monitor, 61)
    assert (await store.health(["brand_weibo"]))["brand_weibo"]["state"] == "ok"
    await monitor.step()
    assert await alerts(store) == []
    connector.script = [RateLimited("10023 user requests out of rate limit", retry_after=3600)]
    await poll_until(clock, brand, monitor, 121)
    [page] = await alerts(store)
    assert page["stage"] == "source_down"
    assert json.loads(page["detail"])["state"] == "rate_limited"


async def test_recovery_pages_once_and_the_next_outage_pages_again(
    store: Store, clock: FakeClock, monitor: Monitor
) -> None:
    brand, connector = poller(store, clock, "brand_weibo")
    connector.script = [Unavailable("HTTP 502")] * 30
    await poll_until(clock, brand, monitor, 125)
    connector.script = [EMPTY]
    clock.advance(60)  # past any backoff
    await brand.run_once()
    await monitor.step()
    await monitor.step()
    down, back = await alerts(store)
    assert back["stage"] == "recovered" and back["subject"] == "source:brand_weibo"
    assert back["key"] == down["key"].replace("source_down", "recovered")
    detail = json.loads(back["detail"])
    assert detail["was"] == "source_down" and 185 <= detail["lasted_s"] < 200
    assert not await store.redis.exists(store.keys.alert_raised("source:brand_weibo"))
    connector.script = [Unavailable("HTTP 502")] * 30
    await poll_until(clock, brand, monitor, 125)
    pages = await alerts(store)
    assert [p["stage"] for p in pages] == ["source_down", "recovered", "source_down"]
    assert pages[2]["key"] != pages[0]["key"]


async def test_a_success_between_checks_ends_the_paged_outage(
    store: Store, clock: FakeClock, monitor: Monitor
) -> None:
    brand, connector = poller(store, clock, "brand_weibo")
    connector.script = [Unavailable("HTTP 502")] * 30
    await poll_until(clock, brand, monitor, 125)
    connector.script = [EMPTY, Unavailable("HTTP 504")]
    clock.advance(60)
    await brand.run_once()  # ok: the outage is over, though no check saw it
    clock.advance(10)
    await brand.run_once()  # a new outage, seconds old
    await monitor.step()
    assert [p["stage"] for p in await alerts(store)] == ["source_down", "recovered"]


async def test_a_down_source_that_loses_its_authorization_pages_again(
    store: Store, clock: FakeClock, monitor: Monitor
) -> None:
    brand, connector = poller(store, clock, "brand_weibo")
    connector.script = [Unavailable("HTTP 502")] * 30
    await poll_until(clock, brand, monitor, 125)
    connector.script = [AuthFailed("21332 invalid_access_token")]
    clock.advance(60)
    await brand.run_once()
    await monitor.step()
    pages = await alerts(store)
    assert [p["stage"] for p in pages] == ["source_down", "auth_failed"]
    assert pages[1]["key"].endswith(f":{AT:.0f}")  # the same outage, now worse


async def test_two_monitors_racing_page_once(
    store: Store, config: Config, clock: FakeClock, redis_url: str
) -> None:
    other = Redis.from_url(redis_url, decode_responses=True)
    try:
        first = Monitor(store, config, clock)
        second = Monitor(Store(other, Keys("test")), config, clock)
        await store.set_health(
            "brand_weibo",
            {"state": "auth_failed", "last_error": "21332", "last_error_at": f"{AT:.3f}"},
        )
        await asyncio.gather(*(m.step() for m in (first, second, first, second)))
        assert [p["stage"] for p in await alerts(store)] == ["auth_failed"]
        await store.set_health("brand_weibo", {"state": "ok", "last_success": f"{AT + 9:.3f}"})
        await asyncio.gather(*(m.step() for m in (first, second, first, second)))
        assert [p["stage"] for p in await alerts(store)] == ["auth_failed", "recovered"]
    finally:
        await other.aclose()


async def test_a_restart_does_not_page_the_same_outage_again(
    store: Store, config: Config, clock: FakeClock, monitor: Monitor
) -> None:
    brand, connector = poller(store, clock, "brand_weibo")
    connector.script = [Unavailable("HTTP 502")] * 30
    await poll_until(clock, brand, monitor, 125)
    # The process restarts: a new poller (its health starts ok in memory) and a new monitor.
    brand, connector = poller(store, clock, "brand_weibo")
    connector.script = [Unavailable("HTTP 502")] * 30
    again = Monitor(store, config, clock)
    await poll_until(clock, brand, again, 300)
    [page] = await alerts(store)
    assert page["stage"] == "source_down"
    assert (await store.health(["brand_weibo"]))["brand_weibo"]["failing_since"] == f"{AT:.3f}"


async def test_disabled_and_healthy_sources_never_page(
    store: Store, clock: FakeClock, monitor: Monitor
) -> None:
    await store.set_health(
        "paused", {"state": "auth_failed", "last_error": "x", "last_error_at": f"{AT:.3f}"}
    )
    await store.ingest("other_weibo", [], None, clock.now(), mark_healthy=True)  # a push
    clock.advance(86400)
    assert await monitor.step() == 5
    assert await alerts(store) == []


async def test_the_pages_the_monitor_writes_read_as_pages(
    store: Store, clock: FakeClock, monitor: Monitor
) -> None:
    brand, connector = poller(store, clock, "brand_weibo")
    connector.script = [Unavailable("weibo mentions: HTTP 502")] * 30
    await poll_until(clock, brand, monitor, 125)
    [down] = await alerts(store)
    assert system_page(down, link="").title.startswith("【数据源中断】微博 · brand_weibo 已 2分")


async def test_a_source_whose_holder_stopped_polling_pages_as_down_and_recovers(
    store: Store, clock: FakeClock, config: Config
) -> None:
    monitor = Monitor(store, config, clock, stall_grace={"brand_weibo": 390.0})
    connector = ScriptedConnector("brand_weibo")
    brand = Poller(connector, store, clock, interval=300)
    connector.script = [EMPTY]
    await brand.run_once()  # its next poll is planned at +300 s; then it stops (hung, killed)
    clock.advance(300 + 390 + 119)  # stalled for 119 s: under brand_weibo's 2 minutes
    await monitor.step()
    assert await alerts(store) == []
    clock.advance(2)
    await monitor.step()
    await monitor.step()  # another check of the same stall: no second page
    [page] = await alerts(store)
    assert page["stage"] == "source_down"
    assert page["key"] == f"source:brand_weibo:source_down:{AT + 690:.0f}"
    detail = json.loads(page["detail"])
    assert detail["state"] == "stalled" and 120 <= detail["down_s"] < 122
    assert "状态：拉取停滞" in "\n".join(system_page(page, link="").lines)
    connector.script = [EMPTY]
    await brand.run_once()  # polled again (a takeover or a restart)
    await monitor.step()
    assert [p["stage"] for p in await alerts(store)] == ["source_down", "recovered"]


async def test_a_restart_after_downtime_gives_the_source_its_grace_before_a_stall_pages(
    store: Store, clock: FakeClock, config: Config
) -> None:
    connector = ScriptedConnector("brand_weibo")
    connector.script = [EMPTY]
    await Poller(connector, store, clock, interval=300).run_once()
    clock.advance(3 * 3600)  # every process was stopped for three hours
    restarted = Monitor(store, config, clock, stall_grace={"brand_weibo": 390.0})
    await restarted.step()
    assert await alerts(store) == []  # its first poll is about to end the stall
    clock.advance(390 + 121)
    await restarted.step()  # it never came: a stall since the restart plus the grace
    [page] = await alerts(store)
    assert page["key"] == f"source:brand_weibo:source_down:{AT + 3 * 3600 + 390:.0f}"
