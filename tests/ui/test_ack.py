"""Acknowledging in the browser: a link into the workspace opens its mention (even one the
list does not show) with the ack button, the button acks, a colleague's ack shows up live,
and the ack page an alert links to works at phone width."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from responder.services import STORE
from responder.sla.sweeper import Sweeper
from responder.store.stages import Stage
from responder.web.ack import ACK_DESK
from tests.conftest import ClientAs
from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client, sign_in, url
from tests.workspace import app_of, feed, mid


async def _breached(client: Client, clock: FakeClock) -> None:
    """Mention 1 has warned and breached (the real sweep); mention 2 came in since."""
    await feed(client, clock, mention("1", text="订单三天没发货，客服呢"))
    clock.advance(16 * 60)
    await Sweeper(app_of(client)[STORE], clock).sweep()
    await feed(client, clock, mention("2", text="谢谢，已经收到了", created_at=clock.now()))


async def test_a_link_opens_its_mention_and_the_button_acks_it(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await _breached(client, clock)
    # Filtered to another platform: the mention is not in the list, yet the link opens it.
    await page.goto(url(client, f"/?m={mid('1')}&platform=wechat&sort=priority"))
    title = page.locator("#detail-title")
    await expect(title).to_contain_text("小王")
    await expect(page.locator("#detail .post")).to_have_text("订单三天没发货，客服呢")
    await expect(page.locator("#empty")).to_be_visible()  # the filter came from the link
    assert await page.locator("select[name=platform]").input_value() == "wechat"
    assert await page.locator("select[name=sort]").input_value() == "priority"
    await page.click("#ack")
    done = page.locator("#acked")
    await expect(done).to_have_text(re.compile(r"^已确认 · amy · 11/20 09:16:00$"))
    await expect(page.locator("#ack")).to_have_count(0)
    await expect(page.locator("#detail .events")).to_contain_text("已确认 · amy")
    store = app_of(client)[STORE]
    assert await store.redis.hget(store.keys.mention(mid("1")), "acked_by") == "amy"
    assert await store.redis.zcard(store.keys.due(Stage.ESCALATED)) == 0


async def test_no_ack_button_before_anything_paged(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await _breached(client, clock)
    await page.goto(url(client, f"/?m={mid('2')}&view=mine"))
    await expect(page.locator("#detail .post")).to_have_text("谢谢，已经收到了")
    await expect(page.locator("[data-view=mine]")).to_have_attribute("aria-pressed", "true")
    await expect(page.locator("#ack")).to_have_count(0)
    await expect(page.locator("#acked")).to_have_count(0)


async def test_a_colleagues_ack_shows_up_live(
    page: Page, client: Client, clock: FakeClock, client_as: ClientAs, live: None
) -> None:
    await _breached(client, clock)
    await page.goto(url(client, f"/?m={mid('1')}"))
    await expect(page.locator("#ack")).to_be_visible()
    await expect(page.locator("#live")).to_have_text("实时更新中")
    lee = await client_as(client, "lee")
    assert (await lee.post(f"/api/mentions/{mid('1')}/ack")).status == 200
    await expect(page.locator("#acked")).to_contain_text("已确认 · lee")


async def test_the_ack_page_works_at_phone_width(
    browser: Browser, client: Client, clock: FakeClock
) -> None:
    await _breached(client, clock)
    app = app_of(client)
    token = (await app[ACK_DESK].tokens(app)).issue(f"m:{mid('1')}", "lee")
    context = await browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    try:
        phone = await context.new_page()
        await phone.goto(url(client, f"/ack/{token}"))  # nobody signed in on the phone
        await expect(phone.locator("#ack-text")).to_have_text("订单三天没发货，客服呢")
        await expect(phone.locator("#ack-left")).to_contain_text("已超时 1分")
        widths = "[document.scrollingElement.scrollWidth, window.innerWidth]"
        scroll, inner = await phone.evaluate(widths)
        assert scroll <= inner, f"page is {scroll}px wide in a {inner}px window"
        await phone.click("#ack-button")
        await expect(phone.locator("#ack-done")).to_have_text("已确认，不会再升级")
        await expect(phone.locator("#ack-by")).to_have_text("lee")
        await sign_in(phone, client, "bo")  # signed in, the same link shows it is done
        await phone.goto(url(client, f"/ack/{token}"))
        await expect(phone.locator("#ack-done")).to_contain_text("已由 lee 于")
        await expect(phone.locator("#ack-button")).to_have_count(0)
    finally:
        await context.close()
