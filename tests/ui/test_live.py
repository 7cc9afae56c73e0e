"""The page on the live stream: with the broadcaster running in the test app, what the
pipeline does while the page is open shows up without a reload, and the agent's typing
and focus survive it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Page, expect

from responder.services import STORE
from responder.store.drafts_llm import LlmStore
from tests.conftest import ClientAs
from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client, open_live, open_page
from tests.workspace import app_of, feed, mid

pytestmark = pytest.mark.usefixtures("live")


async def test_a_new_mention_arrives_while_typing(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await open_live(page, client, clock)
    await page.evaluate("window.notReloaded = true")
    await page.keyboard.press("e")
    await page.keyboard.type("马上帮你查😀")
    await feed(client, clock, mention("2", text="X7 Pro 充电时冒烟起火了，已经报警"))
    rows = page.locator("#list .row")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_have_attribute("data-id", mid("2"))  # a crisis, pinned
    await expect(page.locator("#count")).to_have_text("2 / 2")
    assert await page.evaluate("window.notReloaded") is True
    await expect(page.locator("#reply")).to_be_focused()
    assert (await page.locator("#reply").input_value()).endswith("马上帮你查😀")
    await expect(page.locator("#list .row.selected")).to_have_attribute("data-id", mid("1"))


async def test_a_live_follow_up_blocks_approve_until_read(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1", thread_id="t"))
    await open_page(page, client)
    await expect(page.locator("#live")).to_have_text("实时更新中")
    await page.locator("#reply").fill("马上帮你查")
    late = clock.now() + timedelta(seconds=20)
    await feed(client, clock, mention("2", thread_id="t", text="人呢？？", created_at=late))
    await expect(page.locator("#detail .thread li.new")).to_contain_text("人呢？？")
    await expect(page.locator("#stale")).to_be_visible()
    await expect(page.locator("#approve")).to_be_disabled()
    await expect(page.locator("#reply")).to_have_value("马上帮你查")
    await page.locator("#reread").click()
    await page.keyboard.press("Control+Enter")
    await expect(page.locator(f'#list [data-id="{mid("1")}"]')).to_have_count(0)
    item = await (await client.get(f"/api/mentions/{mid('1')}")).json()
    assert item["state"] == "approved" and item["reply_text"] == "马上帮你查"


async def test_a_colleagues_claim_arrives_live(
    page: Page, client: Client, clock: FakeClock, client_as: ClientAs
) -> None:
    await feed(client, clock, mention("1"), mention("2", text="发货太慢了"))
    await open_page(page, client)
    await expect(page.locator("#live")).to_have_text("实时更新中")
    other = mid("2") if await selected(page) == mid("1") else mid("1")
    bo = await client_as(client, "bo")
    assert (await bo.post(f"/api/mentions/{other}/claim")).status == 200
    row = page.locator(f'#list [data-id="{other}"]')
    await expect(row.locator(".claim")).to_have_text("bo 正在处理")


async def selected(page: Page) -> str:
    value = await page.locator("#list .row.selected").get_attribute("data-id")
    assert value is not None
    return value


async def test_generated_drafts_arrive_live_marked_and_picked_with_4(
    page: Page, client: Client, clock: FakeClock
) -> None:
    """Drafts a model wrote after the mention was queued ([drafts.llm]) reach the open
    page by themselves, marked as the model's, and 4 picks the first of them."""
    await feed(client, clock, mention("1", text="X7 的订单三天了还没发货，怎么回事"))
    await open_page(page, client)
    await expect(page.locator("#live")).to_have_text("实时更新中")
    drafts = page.locator("#detail .drafts li")
    await expect(drafts).to_have_count(3)
    written = "别急，我们马上催仓库，一般下单后 48 小时内发货。"
    store = app_of(client)[STORE]
    assert await LlmStore(store).save(mid("1"), [written], "llm/fake-chat", clock.now())
    await expect(drafts).to_have_count(4)
    await expect(drafts.nth(3).locator(".badge.llm")).to_have_text("模型")
    await expect(drafts.nth(0).locator(".badge.llm")).to_have_count(0)
    await page.keyboard.press("4")
    await expect(page.locator("#reply")).to_have_value(written)
    await page.keyboard.press("a")
    await expect(page.locator(f'#list [data-id="{mid("1")}"]')).to_have_count(0)
    item = await (await client.get(f"/api/mentions/{mid('1')}")).json()
    assert item["state"] == "approved" and item["reply_text"] == written


async def test_new_mentions_are_cued_and_counted_in_the_title_and_icon(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1", created_at=clock.now() - timedelta(minutes=5)))
    await open_page(page, client)
    await expect(page.locator("#live")).to_have_text("实时更新中")
    cue, icon = page.locator("#new-cue"), page.locator("#favicon")
    await expect(cue).to_be_hidden()
    plain = await page.title()
    assert not plain.startswith("(") and (await icon.get_attribute("href") or "").startswith(
        "data:image/svg+xml"
    )
    await feed(client, clock, mention("2"), mention("3"))  # land below: later deadlines
    await expect(cue).to_have_text("2 条新提及")
    await expect(page).to_have_title(f"(2) {plain}")
    assert (await icon.get_attribute("href") or "").startswith("data:image/png")
    await expect(page.locator("#list .row .badge.new")).to_have_count(2)
    await expect(page.locator("#list .row.selected")).to_have_attribute("data-id", mid("1"))
    await cue.click()  # leads to the most urgent new one
    await expect(page.locator("#list .row.selected")).to_have_attribute("data-id", mid("2"))
    await expect(cue).to_have_text("1 条新提及")
    await expect(page).to_have_title(f"(1) {plain}")
    await page.keyboard.press("j")  # opening the other one clears the count
    await expect(page.locator("#list .row.selected")).to_have_attribute("data-id", mid("3"))
    await expect(cue).to_be_hidden()
    await expect(page).to_have_title(plain)
    assert (await icon.get_attribute("href") or "").startswith("data:image/svg+xml")
    await expect(page.locator("#list .row .badge.new")).to_have_count(0)
