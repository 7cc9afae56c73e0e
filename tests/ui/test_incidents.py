"""Crisis incidents in chromium: one row per incident with its size and reach, its members
in the detail, and approving a reply to media disabled for an agent with the reason."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from connectors.model import Author
from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client, open_page, sign_in
from tests.workspace import feed, mid

VICTIM = "@澜星 我的X7昨晚充电的时候起火了，床单烧了一个洞，手还烫伤了"
REPORT = "【网友称澜星X7充电时起火】网友发文称其澜星X7在夜间充电时起火。//@林小满Lin: 起火了"
REASON = "危机事件中给媒体的回复需要组长或管理员批准，请交给组长处理"


async def _incident(client: Client, clock: FakeClock) -> None:
    victim = Author(id="u1", name="林小满Lin", followers=820)
    press = Author(id="u2", name="晨锋新闻", followers=3_820_457, verified=True)
    await feed(client, clock, mention("1", text=VICTIM, author=victim))
    clock.advance(60)
    await feed(
        client,
        clock,
        mention("2", text=REPORT, author=press, created_at=clock.now()),
        mention("3", text="怎么还不发货？？？", created_at=clock.now()),
    )


async def test_an_agent_sees_one_row_per_incident_and_may_not_approve_the_media_reply(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await _incident(client, clock)
    await open_page(page, client)
    rows = page.locator("#list .row")
    await expect(rows).to_have_count(2)  # the report is reached from its incident's row
    first = rows.first
    await expect(first).to_have_attribute("data-id", mid("1"))
    await expect(first.locator(".badge.incident")).to_have_text("同一事件 2 条 · 总粉丝 382万")
    await expect(page.locator("#incident-summary")).to_have_text("共 2 条 · 总粉丝 382万")
    await expect(page.locator("#approve")).to_be_enabled()  # the person it happened to
    await page.locator(f'#incident-members [data-member="{mid("2")}"]').click()
    await expect(page.locator("#detail-title")).to_contain_text("晨锋新闻")
    await expect(page.locator("#lead-required")).to_have_text(REASON)
    await expect(page.locator("#approve")).to_be_disabled()
    await expect(page.locator("#approve")).to_have_attribute("title", REASON)


async def test_a_lead_may_approve_the_media_reply(
    browser: Browser, client: Client, clock: FakeClock
) -> None:
    await _incident(client, clock)
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, client, "lee")
    await page.goto(str(client.make_url(f"/?m={mid('2')}")))
    await expect(page.locator("#detail-title")).to_contain_text("晨锋新闻")
    await expect(page.locator("#incident-summary")).to_have_text("共 2 条 · 总粉丝 382万")
    await expect(page.locator("#lead-required")).to_have_count(0)
    await expect(page.locator("#approve")).to_be_enabled()
    await page.locator("#approve").click()
    await expect(page.locator("#toast")).to_contain_text("已批准")
    item = await (await client.get(f"/api/mentions/{mid('2')}")).json()
    assert item["state"] == "approved" and item["closed_by"] == "lee"
    await context.close()


@pytest.mark.usefixtures("live")
async def test_a_new_member_folds_into_its_incidents_row_while_the_page_is_open(
    page: Page, client: Client, clock: FakeClock
) -> None:
    victim = Author(id="u1", name="林小满Lin", followers=820)
    await feed(client, clock, mention("1", text=VICTIM, author=victim))
    await open_page(page, client)
    await expect(page.locator("#live")).to_have_text("实时更新中")
    press = Author(id="u2", name="晨锋新闻", followers=3_820_457, verified=True)
    clock.advance(60)
    await feed(client, clock, mention("2", text=REPORT, author=press, created_at=clock.now()))
    rows = page.locator("#list .row")
    await expect(rows.first.locator(".badge.incident")).to_have_text("同一事件 2 条 · 总粉丝 382万")
    await expect(rows).to_have_count(1)
    await expect(page.locator("#count")).to_have_text("1 / 1")
