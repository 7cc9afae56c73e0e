"""Acting on what the server says: the stale-draft block (409 "stale"), intent correction,
the server's views, filters and search, and a write refused for a bad CSRF token."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import Page, Route, expect

from responder.store.keys import mention_id
from tests.conftest import ClientAs
from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client, open_page
from tests.workspace import feed, mid


async def test_approve_is_refused_until_the_follow_up_is_read(
    page: Page, client: Client, clock: FakeClock
) -> None:
    # No broadcaster runs here: the page learns of the follow-up from the 409 itself.
    await feed(client, clock, mention("1", thread_id="t"))
    await open_page(page, client)
    await page.keyboard.press("1")
    late = clock.now() + timedelta(seconds=20)
    await feed(client, clock, mention("2", thread_id="t", text="人呢？还在吗", created_at=late))
    async with page.expect_response(lambda r: r.url.endswith("/approve")) as refused:
        await page.keyboard.press("a")
    assert (await refused.value).status == 409
    await expect(page.locator("#detail .thread")).to_contain_text("人呢？还在吗")
    await expect(page.locator("#stale")).to_be_visible()
    await expect(page.locator("#approve")).to_be_disabled()
    await expect(page.locator("#toast")).to_contain_text("对方又发了新消息")
    await page.keyboard.press("Escape")  # out of the box the focus was sent to
    await page.keyboard.press("a")  # still refused, by the page this time
    await expect(page.locator("#toast")).to_have_text("请先阅读对方的新消息，再批准")
    assert (await (await client.get(f"/api/mentions/{mid('1')}")).json())["state"] == "queued"
    await page.locator("#reread").click()
    await expect(page.locator("#approve")).to_be_enabled()
    await page.locator("#reply").fill("在的，马上帮你查")
    await page.keyboard.press("Control+Enter")
    await expect(page.locator(f'#list [data-id="{mid("1")}"]')).to_have_count(0)
    item = await (await client.get(f"/api/mentions/{mid('1')}")).json()
    assert item["state"] == "approved" and item["reply_text"] == "在的，马上帮你查"


async def test_the_intent_is_corrected_from_the_detail(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1", text="订单三天了还没发货"))
    await open_page(page, client)
    async with page.expect_response(lambda r: r.url.endswith("/intent")) as answer:
        await page.locator("#fix-intent").select_option("after_sales")
    assert (await answer.value).status == 200
    row = page.locator(f'#list [data-id="{mid("1")}"]')
    await expect(row.locator(".badge.intent")).to_have_text("售后")
    await expect(page.locator("#toast")).to_have_text("已更正")
    item = await (await client.get(f"/api/mentions/{mid('1')}")).json()
    assert item["intent"] == "after_sales" and item["intent_corrected"] == "after_sales"
    await page.reload()  # what the server keeps, not just what the page painted
    await expect(page.locator("#fix-intent")).to_have_value("after_sales")


async def test_views_filters_and_search_come_from_the_server(
    page: Page, client: Client, clock: FakeClock, client_as: ClientAs
) -> None:
    early = clock.now() - timedelta(minutes=3)
    chat = mention("b", platform="wechat", kind="message", text="X7 发热严重")
    await feed(client, clock, mention("a", created_at=early), chat, mention("c", text="发货太慢"))
    bo = await client_as(client, "bo")
    assert (await bo.post(f"/api/mentions/{mid('c')}/claim")).status == 200
    await open_page(page, client)  # amy opens the most urgent, "a"...
    await expect(page.locator("#list .row.selected")).to_have_attribute("data-id", mid("a"))
    await page.locator(".draft").first.click()  # ...and claims it by picking a draft
    await expect(page.locator("#list .row.selected .claim")).to_have_text("我在处理")
    count, rows = page.locator("#count"), page.locator("#list .row")

    async def shown(total: int, *ids: str) -> None:
        """Wait for exactly these rows (a count alone may still be the last view's)."""
        for one in ids:
            await expect(page.locator(f'#list [data-id="{one}"]')).to_have_count(1)
        await expect(rows).to_have_count(len(ids))
        await expect(count).to_have_text(f"{len(ids)} / {total}")

    await page.get_by_role("button", name="我的").click()
    await shown(1, mid("a"))
    await page.get_by_role("button", name="未认领").click()
    await shown(1, mention_id("wechat", "lanxing", "b"))
    await page.get_by_role("button", name="全部").click()
    await shown(3, mid("a"), mention_id("wechat", "lanxing", "b"), mid("c"))
    await expect(rows.locator(".claim", has_text="bo 正在处理")).to_have_count(1)
    await page.locator("select[name=platform]").select_option("weibo")
    await shown(2, mid("a"), mid("c"))
    await page.locator("#q").fill("发货")
    await shown(1, mid("c"))


async def test_a_write_with_a_wrong_csrf_token_is_refused(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1"))
    await open_page(page, client)

    async def forge(route: Route) -> None:
        await route.continue_(headers={**route.request.headers, "x-csrf-token": "forged"})

    await page.route("**/approve", forge)
    async with page.expect_response(lambda r: r.url.endswith("/approve")) as answer:
        await page.keyboard.press("a")
    assert (await answer.value).status == 403
    await expect(page.locator("#toast")).to_have_text("CSRF 校验失败，请刷新页面")
    status = await page.evaluate(
        """id => fetch(`/api/mentions/${id}/dismiss`, {method: "POST", credentials: "same-origin",
            headers: {"Content-Type": "application/json", "X-CSRF-Token": "wrong"},
            body: JSON.stringify({reason: "垃圾信息"})}).then(r => r.status)""",
        mid("1"),
    )
    assert status == 403
    item = await (await client.get(f"/api/mentions/{mid('1')}")).json()
    assert item["state"] == "queued"
