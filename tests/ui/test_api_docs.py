"""The API reference page (/api/docs): rendered on the server from the OpenAPI document,
readable at 1400 and 390 px, held to the Content-Security-Policy; without a login it sends
the browser to sign in."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.openapi_check import DOC
from tests.ui.conftest import SHOTS, Client, signed_in, url

OPERATIONS = sum(len(item) for item in DOC["paths"].values())


async def test_the_reference_reads_on_a_desktop_and_a_phone(
    browser: Browser, client: Client
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1400, 390):
        size = {"width": width, "height": 900}
        async with signed_in(browser, client, viewport=size) as page:
            answer = await page.goto(url(client, "/api/docs"))
            assert answer is not None and answer.status == 200
            await expect(page.locator("h1")).to_contain_text("接口说明")
            await expect(
                page.locator("article.op[id]:not([id^=schema-]):not([id^=error-])")
            ).to_have_count(OPERATIONS)
            approve = page.locator("#approveMention")
            await expect(approve.locator("h3")).to_contain_text("/api/mentions/{id}/approve")
            await expect(approve).to_contain_text("批准回复")
            await expect(approve.locator("table.fields").nth(1)).to_contain_text("override_reason")
            await approve.locator("details.example summary").first.click()
            await expect(approve.locator("details.example pre").first).to_contain_text('"draft": 0')
            await expect(page.locator("#error-Unauthorized")).to_contain_text("请先登录")
            await page.locator(".toc a[href='#getQueue']").click()
            await expect(page.locator("#getQueue")).to_be_in_viewport()
            fits = await page.evaluate("document.documentElement.scrollWidth <= innerWidth")
            assert fits, f"the page is wider than {width} px"
            await page.screenshot(path=str(SHOTS / f"api-docs-{width}.png"))


async def test_without_a_login_the_page_asks_to_sign_in(browser: Browser, client: Client) -> None:
    context = await browser.new_context(locale="zh-CN")
    page = await context.new_page()
    try:
        await page.goto(url(client, "/api/docs"))
        assert page.url.endswith("/login?next=/api/docs"), page.url
        await expect(page.locator("#password")).to_be_visible()
    finally:
        await context.close()
