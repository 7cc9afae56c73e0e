"""Names as the team says them: the brand's accounts by their configured names, and the
system's own steps in a mention's log as 系统 or 采集：<source>, never raw codes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest
from playwright.async_api import Page, expect
from redis.asyncio import Redis

from connectors.replay import ReplayConfig
from responder.config import ConnectorConfig, RedisConfig, defaults
from responder.pipeline.scoring import ScoringPool
from responder.runtime import create_app
from tests.conftest import USERS
from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client, open_page
from tests.workspace import feed as take_in

NAMED = {"weibo/lanxing": "澜星官方微博"}


@pytest.fixture
async def client(
    aiohttp_client: Any,
    redis: Redis,
    redis_url: str,
    scoring_pool: ScoringPool,
    clock: FakeClock,
    data_dir: Path,
) -> Client:
    del redis  # a clean database
    feed = data_dir.parent / "feed.jsonl"  # the source "demo" by name; the test feeds it
    feed.write_text("", "utf-8")
    config = replace(
        defaults(),
        redis=RedisConfig(url=redis_url, prefix="ui-names", data_dir=data_dir),
        users=USERS,
        accounts=NAMED,
        connectors=(ConnectorConfig(name="demo", type="replay", options=ReplayConfig(path=feed)),),
    )
    app = create_app(config, clock=clock, scorer=scoring_pool, background=False)
    return cast(Client, await aiohttp_client(app))


async def test_accounts_and_system_steps_read_as_names(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await take_in(client, clock, mention("1"), mention("2", platform="wechat", kind="message"))
    await open_page(page, client)
    accounts = page.locator("#list .row .account")
    await expect(accounts).to_have_text([" · 澜星官方微博", " · lanxing"], timeout=5000)
    await page.locator("#list .row", has_text="澜星官方微博").first.click()
    await expect(page.locator("#detail .meta").first).to_contain_text("账号 澜星官方微博")
    log = page.locator("#detail .events")
    await expect(log).to_contain_text("收录 · 采集：demo")
    await expect(log).to_contain_text("进入队列 · 系统")
    assert "pipeline" not in await log.inner_text()
