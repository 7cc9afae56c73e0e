"""editor.js in the real page, through the buttons reply.js draws: picking a draft fills
the reply and claims the mention, typing counts and keeps the claim, 批准发送 approves
(the server has the text), and 忽略 asks why and dismisses; each moves on to the next."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client, open_page
from tests.workspace import feed, mid


async def test_pick_claim_approve_and_dismiss(page: Page, client: Client, clock: FakeClock) -> None:
    await feed(client, clock, mention("1", text="X7 又卡了，烦死了"), mention("2", text="在吗"))
    await open_page(page, client)
    selected = page.locator("#list .row.selected")
    await expect(selected).to_have_attribute("data-id", mid("1"))
    drafts = page.locator("#detail .draft")
    assert await drafts.count() >= 2
    await drafts.nth(1).locator("kbd").click()  # a click on the key hint inside the button
    await expect(drafts.nth(1)).to_have_attribute("aria-pressed", "true")
    await expect(drafts.nth(0)).to_have_attribute("aria-pressed", "false")
    second = (await drafts.nth(1).text_content() or "").split(" ", 1)[1]
    await expect(page.locator("#reply")).to_have_value(second.strip())
    await expect(selected.locator(".claim")).to_have_text("我在处理")  # claimed on intent
    item = await (await client.get(f"/api/mentions/{mid('1')}")).json()
    assert item["claimed_by"] == "amy"
    await page.locator("#reply").fill("抱歉让你久等了，私信我帮你看看")
    await expect(page.locator("#counter")).to_contain_text("还可输入")
    await page.locator("#approve").click()
    await expect(page.locator("#toast")).to_have_text("已批准：小王")
    await expect(selected).to_have_attribute("data-id", mid("2"))  # on to the next
    item = await (await client.get(f"/api/mentions/{mid('1')}")).json()
    assert item["state"] != "queued" and item["reply_text"] == "抱歉让你久等了，私信我帮你看看"
    await page.locator("#dismiss-open").click()
    await page.locator('#dismiss-form input[name="note"]').fill("打招呼")
    await page.locator("#dismiss-ok").click()
    await expect(page.locator("#toast")).to_have_text("已忽略")
    await expect(page.locator("#list .row")).to_have_count(0)
    item = await (await client.get(f"/api/mentions/{mid('2')}")).json()
    assert item["state"] == "dismissed"
