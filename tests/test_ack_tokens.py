"""Ack tokens: they round-trip, expire on the injected clock, refuse any change and any
other key, and every app on one Redis shares the key when config names none."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from redis.asyncio import Redis

from connectors.secret import Secret
from responder.alerts.ack import AckTarget, AckTokens, Expired, Invalid, load_tokens
from responder.alerts.channels.config import AlertsConfig
from responder.pipeline.scoring import ScoringPool
from responder.store.store import Store
from responder.web.ack import ACK_DESK
from tests.conftest import api_client
from tests.fakes import FakeClock
from tests.workspace import app_of

MID = "0123456789abcdef"
DAY = timedelta(hours=24)


def test_a_token_says_what_it_acknowledges_and_whom_it_paged(clock: FakeClock) -> None:
    tokens = AckTokens("s3cret", clock, DAY)
    assert tokens.read(tokens.issue(f"m:{MID}", "李雷")) == AckTarget("m", MID, "李雷")
    assert tokens.read(tokens.issue("g:warn-1764")) == AckTarget("g", "warn-1764", "")
    assert "李雷" not in tokens.issue(f"m:{MID}", "李雷")  # the payload is encrypted too
    for bad in ("x:1", "m:", f"m:{MID}:extra", "g:a/b", "m:../../etc"):
        with pytest.raises(ValueError):
            tokens.issue(bad)


def test_a_token_expires_after_its_ttl_on_the_injected_clock(clock: FakeClock) -> None:
    tokens = AckTokens("s3cret", clock, DAY)
    token = tokens.issue(f"m:{MID}")
    clock.advance(DAY.total_seconds())
    assert tokens.read(token).id == MID  # the last second still counts
    clock.advance(1)
    with pytest.raises(Expired) as caught:
        tokens.read(token)
    assert caught.value.status == 410 and "过期" in caught.value.message


def test_a_changed_or_foreign_token_is_invalid_not_expired(clock: FakeClock) -> None:
    tokens = AckTokens("s3cret", clock, DAY)
    token = tokens.issue(f"m:{MID}", "amy")
    middle = len(token) // 2
    flipped = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    other = AckTokens("another secret", clock, DAY).issue(f"m:{MID}", "amy")
    for bad in (flipped, token[:-4], other, "", "not-a-token", "é" * 40, token + "x" * 2000):
        with pytest.raises(Invalid) as caught:
            tokens.read(bad)
        assert caught.value.status == 400 and "无效" in caught.value.message
    clock.advance(10 * DAY.total_seconds())
    with pytest.raises(Invalid):  # forged stays forged, however old: never "expired"
        tokens.read(other)


def test_a_token_from_the_future_is_refused(clock: FakeClock) -> None:
    ahead = FakeClock(clock.now() + timedelta(minutes=10))
    token = AckTokens("s3cret", ahead, DAY).issue(f"m:{MID}")
    with pytest.raises(Invalid):
        AckTokens("s3cret", clock, DAY).read(token)


async def test_the_configured_secret_wins_and_nothing_is_kept_in_redis(
    store: Store, clock: FakeClock
) -> None:
    configured = AlertsConfig(ack_secret=Secret("from-env"), ack_ttl=timedelta(minutes=30))
    tokens = await load_tokens(configured, store, clock)
    assert await store.redis.exists(store.keys.alert_secret) == 0
    assert tokens.ttl == timedelta(minutes=30)
    shared = await load_tokens(AlertsConfig(), store, clock)
    with pytest.raises(Invalid):
        shared.read(tokens.issue(f"m:{MID}"))
    same = AckTokens("from-env", clock, DAY)
    assert same.read(tokens.issue(f"m:{MID}")).id == MID


async def test_two_apps_on_one_redis_share_the_made_up_secret(
    aiohttp_client: Any,
    redis: Redis,
    redis_url: str,
    scoring_pool: ScoringPool,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    async def app(name: str) -> web.Application:
        made = await api_client(
            aiohttp_client, redis_url, scoring_pool, clock, tmp_path / name, "ack"
        )
        return app_of(made)

    one, two = await app("one"), await app("two")
    made = await one[ACK_DESK].tokens(one)
    checked = await two[ACK_DESK].tokens(two)
    assert checked.read(made.issue(f"m:{MID}", "lee")) == AckTarget("m", MID, "lee")
    kept = await one[ACK_DESK].tokens(one)
    assert kept is made  # made once per app, not per request
    store = one[ACK_DESK].acks(one).store
    secret = await store.redis.get(store.keys.alert_secret)
    assert secret and len(secret) >= 40  # 32 random bytes, kept for every later restart
    again = await app("three")  # as after a restart
    assert (await again[ACK_DESK].tokens(again)).read(made.issue("g:g1")).id == "g1"
