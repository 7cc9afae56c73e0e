"""The voice of the customer on /reports in Chromium: a lead sees the demo week's topics
(the charging fire, the battery drain, lag) with what rose, the products and the sample
mentions, each naming its week and zone, at desktop and phone widths under the CSP;
switches the week; and follows a sample to the mention in the workspace."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from responder.services import SERVICES
from tests.fakes import FakeClock
from tests.test_voice_week import _demo_counted
from tests.ui.conftest import SHOTS, Client, signed_in, url
from tests.workspace import app_of, as_user

WEEK, BEFORE = "2026-W47", "2026-W46"  # the fake clock's week (2026-11-20) and the one before
SPAN = "（2026-11-16 至 2026-11-22，Asia/Shanghai）"
SPAN_BEFORE = "（2026-11-09 至 2026-11-15，Asia/Shanghai）"


async def _counted(client: Client, clock: FakeClock) -> None:
    pipeline = app_of(client)[SERVICES].pipeline
    assert pipeline is not None
    await _demo_counted(pipeline.store, pipeline, clock)
    # jieba loads its dictionary on its first use in a process (a second, more on a busy
    # machine): here, not within the page's 5 s wait.
    warm = await client.get("/api/reports/voice", headers=as_user("lee"))
    assert warm.status == 200, await warm.text()


@pytest.mark.parametrize("width", [1400, 390])
async def test_a_lead_reads_the_weeks_voice_switches_week_and_opens_a_sample(
    browser: Browser, client: Client, clock: FakeClock, width: int
) -> None:
    await _counted(client, clock)
    async with signed_in(browser, client, "lee", viewport={"width": width, "height": 900}) as page:
        await page.goto(url(client, "/reports"))
        voice = page.locator("#voice")
        await expect(voice).to_have_attribute("data-ready", "1")
        await expect(voice).to_have_attribute("data-week", WEEK)
        await expect(page.locator("#week")).to_have_value(WEEK)
        crisis = page.locator('#v-topics tr[data-intent="crisis"]')
        await expect(crisis.locator("th")).to_have_text("危机")
        await expect(crisis.locator("td.phrases")).to_contain_text("起火")
        await expect(crisis.locator("td.phrases")).to_contain_text("烫伤")
        await expect(crisis.locator(".badge.rise")).to_have_text("上升")  # 0 last week
        battery = page.locator('#v-topics tr[data-intent="battery"]')
        await expect(battery.locator("th")).to_have_text("续航")
        await expect(battery.locator("td.phrases")).to_contain_text("耗电")
        await expect(page.locator('#v-topics tr[data-intent="lag"]').first).to_contain_text("卡顿")
        await expect(crisis.locator("td").nth(2)).to_have_text("0")  # last week's count
        whens = voice.locator(".when")
        assert await whens.count() == 4
        for i in range(4):
            await expect(whens.nth(i)).to_have_text(SPAN)
        await expect(page.locator("#voice-status")).to_contain_text("其中投诉")
        await expect(page.locator("#v-products tbody")).to_contain_text("X7")
        box = await page.locator("#c-voice-products").bounding_box()
        assert box is not None and 0 < box["width"] <= width and box["height"] > 100
        csv, md = page.locator("#voice-csv"), page.locator("#voice-md")
        assert await csv.get_attribute("href") == f"/api/reports/voice.csv?week={WEEK}"
        assert await md.get_attribute("href") == f"/api/reports/voice.md?week={WEEK}"
        await expect(page.locator("#week-after")).to_be_disabled()  # no weeks to come
        assert await page.evaluate("() => document.documentElement.scrollWidth") <= width
        topics = page.locator("#v-topics .table-wrap")  # even the topics need no sideways scroll
        assert await topics.evaluate("(box) => box.scrollWidth <= box.clientWidth")
        SHOTS.mkdir(parents=True, exist_ok=True)
        await voice.screenshot(path=str(SHOTS / f"voice-{width}.png"))

        await page.locator("#week-before").click()
        await expect(voice).to_have_attribute("data-week", BEFORE)
        await expect(voice).to_have_attribute("data-ready", "1")
        await expect(page.locator("#v-topics tbody")).to_have_text("这一周没有投诉")
        await expect(whens.first).to_have_text(SPAN_BEFORE)
        assert await csv.get_attribute("href") == f"/api/reports/voice.csv?week={BEFORE}"
        assert f"week={BEFORE}" in page.url
        await page.locator("#week").fill(WEEK)  # the picker: back to the demo week
        await page.locator("#week-form button[type=submit]").click()
        await expect(voice).to_have_attribute("data-week", WEEK)
        await expect(crisis.locator("th")).to_have_text("危机")

        sample = page.locator('#v-samples .topic[data-intent="crisis"] a').first
        said, mention = await sample.text_content(), await sample.get_attribute("data-id")
        assert said and mention
        await sample.click()
        await expect(page).to_have_url(re.compile(rf"/\?m={mention}$"))
        await expect(page.locator("#detail blockquote.post")).to_have_text(said)


async def test_a_bad_week_in_the_address_is_named_on_the_page(
    browser: Browser, client: Client
) -> None:
    async with signed_in(browser, client, "lee", viewport={"width": 1280, "height": 800}) as page:
        resp = await page.goto(url(client, "/reports?week=2026-49"))
        assert resp is not None and resp.status == 400
        await expect(page.locator("[role=alert]")).to_contain_text("周有误：week must look like")
        await expect(page.locator("#voice")).to_have_attribute("data-ready", "1")  # this week
        await expect(page.locator("#v-topics tbody")).to_have_text("这一周没有投诉")
