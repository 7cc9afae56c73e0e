"""Snippets in the browser: saved from the 快捷短语 dialog, inserted by typing "/" and a
few letters in the reply, chosen with the arrow keys or the mouse."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.conftest import ClientAs
from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client, open_page
from tests.workspace import feed


async def test_a_saved_snippet_is_inserted_with_a_slash(
    page: Page, client: Client, clock: FakeClock, client_as: ClientAs
) -> None:
    await feed(client, clock, mention("1"))
    lee = await client_as(client, "lee")
    team = {"scope": "team", "name": "营业时间", "text": "门店每天 10:00-22:00 营业"}
    assert (await lee.post("/api/snippets", json=team)).status == 200
    await open_page(page, client)
    await page.locator("#snippets-open").click()
    form = page.locator("#snippet-form")
    await form.locator("input[name=name]").fill("物流")
    await form.locator("textarea[name=text]").fill("单号发我们，马上帮你查物流")
    await form.get_by_role("button", name="保存").click()
    await expect(page.locator("#snippet-list li")).to_have_count(2)
    await page.locator("#snippets-close").click()

    reply = page.locator("#reply")
    await reply.fill("你好～")
    await reply.press("End")
    await page.keyboard.type("/物")
    menu = page.locator("#snippet-menu")
    await expect(menu.locator("li")).to_have_count(1)
    await page.keyboard.press("Enter")
    await expect(reply).to_have_value("你好～单号发我们，马上帮你查物流")
    await expect(menu).to_be_hidden()
    await page.keyboard.type(" /")
    await expect(menu.locator("li")).to_have_count(2)
    await page.keyboard.press("ArrowDown")
    await expect(menu.locator("li[aria-selected=true]")).to_contain_text("/营业时间（团队）")
    await menu.locator("li", has_text="营业时间").click()
    await expect(reply).to_have_value("你好～单号发我们，马上帮你查物流 门店每天 10:00-22:00 营业")
    await page.keyboard.type(" /无此")
    await expect(menu).to_contain_text("没有匹配的快捷短语")
    await page.keyboard.press("Escape")
    await expect(menu).to_be_hidden()
    await expect(reply).to_be_focused()  # Esc closed the menu, not the editor
    await page.keyboard.type(" https://x.example/a")  # a link's slashes open nothing
    await expect(menu).to_be_hidden()
