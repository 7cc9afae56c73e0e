"""The reports page in Chromium: a lead sees every figure with its range and zone, the
charts drawn by the vendored Chart.js, at desktop and phone widths, under the CSP; an
agent gets the forbidden page."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from responder.reports.rollup import IDLE
from responder.services import SERVICES
from tests.fakes import FakeClock, mention
from tests.ui.conftest import SHOTS, Client, signed_in, url
from tests.workspace import app_of, as_user, feed, mid

DAY = "2026-11-20"  # the fake clock's day in Shanghai


async def _counted(client: Client, clock: FakeClock) -> None:
    """Three mentions: one answered within the timer (a draft quoting the knowledge base's
    NFC entry, sent as is), one late, one needing no reply."""
    await feed(
        client,
        clock,
        mention("1", text="小区门禁卡能用手机刷吗？"),
        mention("2", text="@澜星 你们客服电话是多少？"),
        mention("3", text="哈哈哈 转发微博"),
    )
    clock.advance(120)
    resp = await client.post(f"/api/mentions/{mid('1')}/approve", json={"draft": 0})
    assert resp.status == 200, await resp.text()
    clock.advance(20 * 60)
    late = await client.post(
        f"/api/mentions/{mid('2')}/approve",
        json={"text": "客服电话 400-000-0000"},
        headers=as_user("lee"),
    )
    assert late.status == 200, await late.text()
    rollup = app_of(client)[SERVICES].rollup
    assert rollup is not None
    while await rollup.step() != IDLE:
        pass


@pytest.mark.parametrize("width", [1400, 390])
async def test_a_lead_reads_every_figure_at_desktop_and_phone_width(
    browser: Browser, client: Client, clock: FakeClock, width: int
) -> None:
    await _counted(client, clock)
    async with signed_in(browser, client, "lee", viewport={"width": width, "height": 900}) as page:
        await page.goto(url(client, f"/reports?since={DAY}&until={DAY}"))
        main = page.locator("#report")
        await expect(main).to_have_attribute("data-ready", "1")
        await expect(page.locator("#sla-cards dd").first).to_have_text("50.0%")
        # Each figure sits beside its label, at any width (they are separate grid items).
        rows = await page.locator("#sla-cards").evaluate(
            """(cards) => [...cards.querySelectorAll("dt")].map((dt) => {
              const top = (node) => node.getBoundingClientRect().top;
              return Math.abs(top(dt) - top(dt.nextElementSibling));
            })"""
        )
        assert rows and all(gap < 20 for gap in rows), rows
        ranges = page.locator("section.figure .range")
        count = await ranges.count()
        assert count >= 15
        for i in range(count):
            await expect(ranges.nth(i)).to_have_text(f"（{DAY} 至 {DAY}，Asia/Shanghai）")
        agents = page.locator("#t-sla_by_agent tbody tr")
        await expect(agents).to_have_count(2)
        await expect(agents.nth(0)).to_contain_text("amy")
        entries = page.locator("#t-knowledge tbody tr")
        await expect(entries).to_have_count(1)
        await expect(entries.nth(0)).to_contain_text("NFC门禁卡怎么添加")
        await expect(entries.nth(0)).to_contain_text("100.0%")
        await expect(page.locator("#h-t-knowledge")).to_contain_text("知识库条目采纳率")
        # Chart.js drew into each canvas, sized by its box (no inline style from HTML).
        for canvas in ("c-sla-day", "c-sla-hour", "c-rt", "c-volume"):
            box = await page.locator(f"#{canvas}").bounding_box()
            assert box is not None and 0 < box["width"] <= width and box["height"] > 100
        assert await page.evaluate("() => typeof window.Chart === 'function'")
        # Nothing wider than the screen but the tables, which scroll in their own box.
        wide = await page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= width
        csv = page.locator("#t-breaches a.csv")
        assert (
            await csv.get_attribute("href") == f"/api/reports/breaches.csv?since={DAY}&until={DAY}"
        )
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / f"reports-{width}.png"), full_page=True)


async def test_an_agent_gets_the_forbidden_page(browser: Browser, client: Client) -> None:
    async with signed_in(browser, client, "amy", viewport={"width": 1280, "height": 800}) as page:
        resp = await page.goto(url(client, "/reports"))
        assert resp is not None and resp.status == 403
        await expect(page.locator("body")).to_contain_text("查看报表需要")
