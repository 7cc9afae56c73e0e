"""Signing in and out through the pages, and what each role may open."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client, open_page, sign_in, url
from tests.workspace import feed


async def test_logging_in_through_the_login_page_then_out(
    browser: Browser, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1"))
    page = await browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    await page.goto(url(client, "/"))
    assert page.url == url(client, "/login?next=%2F")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    await page.fill("#name", "amy")
    await page.fill("#password", "not-her-password")
    await page.click("button[type=submit]")
    await expect(page.locator("#login-error")).to_have_text("用户名或密码不对")
    await expect(page.locator("#name")).to_have_value("amy")
    await page.fill("#password", "amy-password")
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    assert page.url == url(client, "/")
    await expect(page.locator("#list .row")).to_have_count(1)
    await expect(page.locator("#me")).to_have_text("amy")
    async with page.expect_navigation():
        await page.get_by_role("button", name="退出登录").click()
    assert page.url.startswith(url(client, "/login"))
    await page.goto(url(client, "/"))
    assert "/login" in page.url  # the session is gone
    status = await page.evaluate("fetch('/api/queue').then(r => r.status)")
    assert status == 401
    await page.close()


async def test_an_agent_may_not_open_the_audit_log(page: Page, client: Client) -> None:
    await open_page_empty(page, client)
    await expect(page.locator("#audit-link")).to_have_count(0)  # no link for agents
    resp = await page.goto(url(client, "/audit"))
    assert resp is not None and resp.status == 403
    await expect(page.locator("[role=alert]")).to_have_text("查看操作记录需要组长或管理员权限。")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    status = await page.evaluate("fetch('/api/audit').then(r => r.status)")
    assert status == 403
    csv = await page.evaluate("fetch('/api/audit?format=csv').then(r => r.status)")
    assert csv == 403


async def test_a_lead_opens_it_from_the_header(
    browser: Browser, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1"))
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, client, "lee")
    await open_page(page, client, "lee")
    await page.keyboard.press("c")  # a claim, which the audit log records
    await expect(page.locator("#list .row .claim")).to_have_text("我在处理")
    async with page.expect_navigation():
        await page.locator("#audit-link").click()
    assert page.url == url(client, "/audit")
    await expect(page.locator("h1")).to_contain_text("操作记录")
    await expect(page.locator("table tbody tr", has_text="lee")).to_have_count(1)  # the claim
    status = await page.evaluate("fetch('/api/audit').then(r => r.status)")
    assert status == 200
    await context.close()


async def open_page_empty(page: Page, client: Client) -> None:
    """The workspace with nothing queued (open_page waits for a mention)."""
    await page.goto(url(client))
    await expect(page.locator("#empty")).to_be_visible()
