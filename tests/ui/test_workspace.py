"""The workspace in headless chromium against the real app: what an agent sees and does."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from tests.fakes import FakeClock, mention
from tests.ui.conftest import SHOTS, Client, open_page, seed, url
from tests.workspace import feed, mid


async def test_the_list_shows_countdowns_and_reach_in_chinese(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await seed(client, clock)
    await open_page(page, client)
    rows = page.locator("#list .row")
    await expect(rows).to_have_count(4)
    ids = await rows.evaluate_all("rs => rs.map(r => r.dataset.id)")
    assert ids == [mid("fire"), mid("late"), mid("soon"), mid("fresh")]  # crisis pinned
    await expect(rows.nth(0).locator(".badge.crisis")).to_have_text("危机")
    late = rows.nth(1).locator(".countdown")
    await expect(late).to_have_text(re.compile(r"^已超时 \d+分\d+秒$"))
    await expect(late).to_have_class(re.compile("late"))
    await expect(late.locator("svg.i-late")).to_have_count(1)  # not colour alone
    star = page.locator(f'[data-id="{mid("soon")}"]')
    await expect(star.locator(".countdown")).to_have_text(re.compile(r"剩 \d+分\d+秒"))
    await expect(star.locator(".reach")).to_have_text("粉丝 382万")
    await expect(star.locator(".verified")).to_be_visible()
    await expect(star.locator(".where")).to_contain_text("微博提及")
    await expect(page.locator("#count")).to_have_text("4 / 4")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


async def test_j_and_k_move_through_the_list(page: Page, client: Client, clock: FakeClock) -> None:
    await seed(client, clock)
    await open_page(page, client)
    ids = await page.locator("#list .row").evaluate_all("rs => rs.map(r => r.dataset.id)")
    selected = page.locator("#list .row.selected")
    await expect(selected).to_have_attribute("data-id", ids[0])
    await page.keyboard.press("j")
    await expect(selected).to_have_attribute("data-id", ids[1])
    await page.keyboard.press("j")
    await expect(page.locator("#detail-title")).to_contain_text("数码老张")
    await page.keyboard.press("j")
    await page.keyboard.press("j")  # stays on the last
    await expect(selected).to_have_attribute("data-id", ids[3])
    await page.keyboard.press("k")
    await expect(selected).to_have_attribute("data-id", ids[2])
    await expect(selected).to_be_focused()  # focus follows, and shows
    await expect(page.locator("#list .row .claim")).to_have_count(0)  # reading claims nothing
    ring = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert ring == "solid"


async def test_1_then_a_approves_the_first_draft(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await seed(client, clock)
    await open_page(page, client)
    first = await page.locator("#list .row.selected").get_attribute("data-id")
    detail = await (await client.get(f"/api/mentions/{first}")).json()
    await page.keyboard.press("2")
    await page.keyboard.press("1")
    await expect(page.locator("#reply")).to_have_value(detail["drafts"][0]["text"])
    await page.keyboard.press("a")
    await expect(page.locator(f'#list [data-id="{first}"]')).to_have_count(0)
    await expect(page.locator("#count")).to_have_text("3 / 3")
    after = await (await client.get(f"/api/mentions/{first}")).json()
    assert after["state"] == "approved"
    assert after["reply_text"] == detail["drafts"][0]["text"]
    assert after["closed_by"] == "amy"
    # The next mention opens by itself, ready for the next answer.
    await expect(page.locator("#list .row.selected")).to_have_count(1)


async def test_editing_counts_weibo_characters(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await seed(client, clock)
    await open_page(page, client)
    await page.keyboard.press("e")
    await expect(page.locator("#reply")).to_be_focused()
    await page.keyboard.press("Control+a")
    await page.keyboard.type("好的abc")  # 2 + ceil(3 / 2) = 4
    await expect(page.locator("#counter")).to_contain_text("还可输入 136 字")
    await page.locator("#reply").fill("好" * 141)
    await expect(page.locator("#counter")).to_contain_text("超出 1 字")
    await expect(page.locator("#counter")).to_have_class(re.compile("over"))


async def test_a_reply_failing_the_style_check_needs_an_override(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await seed(client, clock)
    await open_page(page, client)
    first = await page.locator("#list .row.selected").get_attribute("data-id")
    await page.locator("#reply").fill("亲，您好，给您带来的不便敬请谅解")
    await page.keyboard.press("Control+Enter")
    findings = page.locator("#findings")
    await expect(findings).to_be_visible()
    await expect(findings).to_contain_text("套话")
    state = (await (await client.get(f"/api/mentions/{first}")).json())["state"]
    assert state == "queued"
    await page.locator("#override").check()
    await page.locator("#override-reason").fill("对方就喜欢这个语气")
    await page.locator("#approve").click()
    await expect(page.locator(f'#list [data-id="{first}"]')).to_have_count(0)
    after = await (await client.get(f"/api/mentions/{first}")).json()
    assert after["state"] == "approved"
    approved = [e for e in after["events"] if e["type"] == "approved"][-1]
    assert approved["override"]["reason"] == "对方就喜欢这个语气"


async def test_d_dismisses_as_spam(page: Page, client: Client, clock: FakeClock) -> None:
    await seed(client, clock)
    await open_page(page, client)
    first = await page.locator("#list .row.selected").get_attribute("data-id")
    await page.keyboard.press("d")
    dialog = page.locator("#dismiss")
    await expect(dialog).to_be_visible()
    await dialog.locator("input[name=note]").fill("广告")
    await page.locator("#dismiss-ok").click()
    await expect(page.locator(f'#list [data-id="{first}"]')).to_have_count(0)
    after = await (await client.get(f"/api/mentions/{first}")).json()
    assert after["state"] == "dismissed"
    assert after["dismiss_reason"] == "垃圾信息：广告"


async def test_a_colleagues_claim_shows_by_name(
    browser: Browser, page: Page, client: Client, clock: FakeClock
) -> None:
    await seed(client, clock)
    other = await browser.new_context()  # a colleague, signed in as bo
    try:
        theirs = await other.new_page()
        await open_page(theirs, client, "bo")
        await theirs.keyboard.press("c")
        mine = theirs.locator("#list .row.selected")
        await expect(mine.locator(".claim")).to_have_text("我在处理")  # bo's own view
        claimed = await mine.get_attribute("data-id")
        await open_page(page, client)
        await expect(page.locator("#claim-note")).to_have_text(re.compile("bo 正在处理"))
        row = page.locator(f'#list [data-id="{claimed}"]')
        await expect(row.locator(".claim")).to_have_text("bo 正在处理")
    finally:
        await other.close()


async def test_phone_width_has_no_horizontal_overflow(
    browser: Browser, client: Client, clock: FakeClock
) -> None:
    await seed(client, clock)
    context = await browser.new_context(viewport={"width": 400, "height": 800}, locale="zh-CN")
    try:
        phone = await context.new_page()
        await open_page(phone, client)
        widths = "[document.scrollingElement.scrollWidth, window.innerWidth]"
        scroll, inner = await phone.evaluate(widths)
        assert scroll <= inner, f"page is {scroll}px wide in a {inner}px window"
    finally:
        await context.close()


async def test_screenshots_of_queue_and_detail(
    browser: Browser, client: Client, clock: FakeClock
) -> None:
    await seed(client, clock)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 400):
        context = await browser.new_context(viewport={"width": width, "height": 800})
        try:
            shot = await context.new_page()
            await open_page(shot, client)
            await shot.screenshot(path=SHOTS / f"queue-{width}.png")
            await shot.locator("#detail").scroll_into_view_if_needed()
            await shot.locator("#detail").screenshot(path=SHOTS / f"detail-{width}.png")
        finally:
            await context.close()
        assert (SHOTS / f"queue-{width}.png").stat().st_size > 0


async def test_untrusted_text_is_shown_not_run(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("x", text="<img src=x onerror=alert(1)> 卡卡卡"))
    await page.goto(url(client))
    await expect(page.locator("#list .row .text")).to_have_text(
        "<img src=x onerror=alert(1)> 卡卡卡"
    )
    assert await page.locator("#list img").count() == 0
