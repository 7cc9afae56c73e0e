"""Names as the team says them: the brand's accounts by their configured names, and the
system's own steps in a mention's log as 系统 or 采集：<source>, never raw codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from connectors.replay import ReplayConfig
from responder.config import ConnectorConfig
from tests.conftest import MakeClient
from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client, open_page
from tests.workspace import feed as take_in

NAMED = {"weibo/lanxing": "澜星官方微博"}


@pytest.fixture
async def client(make_client: MakeClient, data_dir: Path) -> Client:
    feed = data_dir.parent / "feed.jsonl"  # the source "demo" by name; the test feeds it
    feed.write_text("", "utf-8")
    demo = ConnectorConfig(name="demo", type="replay", options=ReplayConfig(path=feed))
    return await make_client("ui-names", demo, accounts=NAMED)


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
