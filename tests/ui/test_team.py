"""Team tools in the browser: a note stays in the detail (never in the reply), a hand-off
reaches the colleague's open page live, and someone away is not offered."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import ClientAs
from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client, open_page, sign_in, watch_policy
from tests.workspace import feed, mid

pytestmark = pytest.mark.usefixtures("live")


async def test_a_note_and_a_hand_off_reach_the_colleague(
    browser: Browser, page: Page, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1", text="X7 充电口松了，第二次了"))
    other = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        bo = await other.new_page()
        refused = watch_policy(bo)
        await sign_in(bo, client, "bo")
        await open_page(bo, client, "bo")
        await expect(bo.locator("#live")).to_have_text("实时更新中")
        await open_page(page, client)
        await page.locator("#note-text").fill("老客户，上次也是充电口")
        await page.locator("#note-add").click()
        notes = page.locator("#detail .notes li")
        await expect(notes).to_have_count(1)
        await expect(notes.first).to_contain_text("老客户，上次也是充电口")
        assert "老客户" not in await page.locator("#reply").input_value()
        await page.locator("#handoff-to").select_option("bo")
        await page.locator("#handoff-note").fill("你跟过他")
        await page.locator("#handoff").click()
        await expect(page.locator("#toast")).to_contain_text("已转给 bo")
        await expect(bo.locator("#toast")).to_contain_text("amy 把一条提及转给了你")
        row = bo.locator(f'#list [data-id="{mid("1")}"] .claim')
        await expect(row).to_have_text("我在处理")
        await bo.locator(f'#list [data-id="{mid("1")}"]').click()
        await expect(bo.locator("#detail .events")).to_contain_text("转交 · amy：你跟过他")
        await expect(bo.locator("#detail .notes")).to_contain_text("老客户，上次也是充电口")
        assert not refused
    finally:
        await other.close()


async def test_someone_away_is_not_offered(
    page: Page, client: Client, clock: FakeClock, client_as: ClientAs
) -> None:
    await feed(client, clock, mention("1"))
    bo = await client_as(client, "bo")
    assert (await bo.post("/api/me/away", json={"away": True})).status == 200
    await open_page(page, client)
    offered = await page.locator("#handoff-to option").all_inner_texts()
    assert "bo" not in offered and "lee" in offered
    away = page.locator("#away")
    await expect(away).to_have_text("暂时离开")
    await away.click()
    await expect(away).to_have_attribute("aria-pressed", "true")
    await expect(away).to_have_text("我回来了")
    people = {p["name"]: p["away"] for p in (await (await bo.get("/api/team")).json())["people"]}
    assert people["amy"] is True
