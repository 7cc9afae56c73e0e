"""detail.js in the real page: a row's click opens it (and only it is marked), a load
that drops the open mention opens the first row left, the open mention's timer ticks
with the server's time, and advance() moves on to the next mention."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.fakes import FakeClock
from tests.ui.conftest import Client, open_page, seed
from tests.workspace import mid


async def test_open_reopen_tick_and_advance(page: Page, client: Client, clock: FakeClock) -> None:
    await seed(client, clock)
    await open_page(page, client)
    title = page.locator("#detail-title")
    await expect(page.locator("#detail .post")).to_contain_text("冒烟起火")  # the pinned crisis
    await page.locator(f'#list [data-id="{mid("soon")}"] .text').click()  # a click inside a row
    await expect(title).to_contain_text("数码老张")
    current = page.locator('#list .row[aria-current="true"]')
    await expect(current).to_have_count(1)
    await expect(current).to_have_attribute("data-id", mid("soon"))
    await expect(page.locator("#detail-countdown")).to_have_class("countdown warn")
    # Four minutes later on the server's clock the open mention is late.
    await page.evaluate(
        """() => import("/static/state.js").then((s) => import("/static/detail.js").then((d) => {
          s.S.skew += 4 * 60 * 1000; d.tickDetail();
        }))"""
    )
    await expect(page.locator("#detail-countdown")).to_have_class("countdown late")
    await expect(page.locator("#detail-countdown .left")).to_contain_text("已超时")
    # A search that leaves it out opens the first row left.
    await page.fill("#q", "发货")
    await expect(page.locator("#list .row")).to_have_count(1)
    await expect(page.locator("#list .row.selected")).to_have_attribute("data-id", mid("late"))
    await expect(page.locator("#detail .post")).to_have_text("怎么还不发货？？？")
    # Done with it: the list drops it and says all is done.
    await page.evaluate(
        "(id) => import('/static/detail.js').then((d) => d.advance(id))", mid("late")
    )
    await expect(page.locator("#list .row")).to_have_count(0)
    await expect(page.locator("#detail")).to_contain_text("全部处理完了。")
