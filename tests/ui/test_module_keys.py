"""keys.js in the real page: j / k move the selection (and stop at the ends), a number
picks that draft, e goes to the reply, Esc leaves it, / goes to the search, ? and the
快捷键 button show the help, and no key acts while a dialog is open."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client, open_page
from tests.workspace import feed, mid


async def test_moving_picking_and_the_help(page: Page, client: Client, clock: FakeClock) -> None:
    await feed(client, clock, mention("1", text="X7 又卡了"), mention("2", text="在吗"))
    await open_page(page, client)
    selected = page.locator("#list .row.selected")
    await expect(selected).to_have_attribute("data-id", mid("1"))
    await page.keyboard.press("j")
    await expect(selected).to_have_attribute("data-id", mid("2"))
    await expect(selected).to_be_focused()
    await page.keyboard.press("j")  # the last row: stays
    await expect(selected).to_have_attribute("data-id", mid("2"))
    await page.keyboard.press("k")
    await expect(selected).to_have_attribute("data-id", mid("1"))
    # The pane shows the mention before last until this one is read: busy till then.
    await expect(page.locator("#detail")).not_to_have_attribute("aria-busy", "true")
    await expect(page.locator("#detail .post")).to_have_text("X7 又卡了")
    await page.keyboard.press("2")
    await expect(page.locator("#detail .draft").nth(1)).to_have_attribute("aria-pressed", "true")
    await page.keyboard.press("e")
    await expect(page.locator("#reply")).to_be_focused()
    await page.keyboard.press("j")  # typing: j is a letter, not a move
    await expect(selected).to_have_attribute("data-id", mid("1"))
    await page.keyboard.press("Escape")
    await expect(page.locator("#reply")).not_to_be_focused()
    await page.keyboard.press("/")
    await expect(page.locator("#q")).to_be_focused()
    await page.keyboard.press("Escape")
    await page.keyboard.press("?")
    await expect(page.locator("#help")).to_be_visible()
    await page.keyboard.press("j")  # a dialog is open: nothing moves
    await expect(selected).to_have_attribute("data-id", mid("1"))
    await page.keyboard.press("Escape")
    await expect(page.locator("#help")).to_be_hidden()
    await page.locator("#help-open").click()
    await expect(page.locator("#help")).to_be_visible()
