"""The audit page for leads, in a team that works in Tokyo: times on it and on the
workspace are Tokyo times, the filters narrow the table and the CSV export alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, expect
from redis.asyncio import Redis

from responder.config import OutboxConfig, RedisConfig, defaults
from responder.pipeline.scoring import ScoringPool
from responder.runtime import create_app
from tests.conftest import USERS, ClientAs
from tests.fakes import FakeClock, mention
from tests.ui.conftest import SHOTS, Client, open_page, sign_in, url
from tests.workspace import feed, mid

TOKYO = ZoneInfo("Asia/Tokyo")
OVERRIDDEN = {"text": "马上处理😀𠮷", "override": True, "override_reason": "老客户，语气可以轻松"}


@pytest.fixture
async def client(
    aiohttp_client: Any,
    redis: Redis,
    redis_url: str,
    scoring_pool: ScoringPool,
    clock: FakeClock,
    data_dir: Path,
) -> Client:
    """The app configured for a team in Tokyo (not the default Asia/Shanghai)."""
    base = defaults()
    config = replace(
        base,
        drafts=replace(base.drafts, timezone="Asia/Tokyo"),
        redis=RedisConfig(url=redis_url, prefix="ui", data_dir=data_dir),
        users=USERS,
        outbox=OutboxConfig(undo_seconds=0),  # approvals count at once here
    )
    app = create_app(config, clock=clock, scorer=scoring_pool, background=False)
    return cast(Client, await aiohttp_client(app))


@pytest.fixture
async def lead(browser: Browser, client: Client) -> AsyncIterator[Page]:
    """A desktop page signed in as lee, a lead."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = await context.new_page()
    await sign_in(page, client, "lee")
    yield page
    await context.close()


async def work(client: Client, clock: FakeClock, client_as: ClientAs) -> None:
    """amy approves one mention (past the style check: an emoji to an angry author), bo
    dismisses another a minute later (a question already answered in another channel;
    spam no longer reaches the queue: it is set aside as 无需回复)."""
    await feed(client, clock, mention("1"), mention("2", text="@澜星 你们客服电话是多少？"))
    amy, bo = await client_as(client, "amy"), await client_as(client, "bo")
    assert (await amy.post(f"/api/mentions/{mid('1')}/claim")).status == 200
    answer = await amy.post(f"/api/mentions/{mid('1')}/approve", json=OVERRIDDEN)
    assert answer.status == 200, await answer.text()
    clock.advance(60)
    gone = await bo.post(f"/api/mentions/{mid('2')}/dismiss", json={"reason": "已电话联系"})
    assert gone.status == 200, await gone.text()


async def test_the_workspace_shows_tokyo_times(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1"))  # created 01:00 UTC: 10:00 in Tokyo
    await open_page(page, client)
    zone = page.locator('meta[name="tiexin-timezone"]')
    await expect(zone).to_have_attribute("content", "Asia/Tokyo")
    await expect(page.locator("#detail")).to_contain_text("发布于 11/20 10:00:00")


async def test_a_lead_reads_and_filters_the_log_in_tokyo_time(
    lead: Page, client: Client, clock: FakeClock, client_as: ClientAs
) -> None:
    start = clock.now()
    await work(client, clock, client_as)
    await lead.goto(url(client, "/audit"))
    await expect(lead.locator("html")).to_have_attribute("lang", "zh-CN")
    for landmark in ("header", "nav", "main"):
        await expect(lead.locator(landmark)).to_have_count(1)
    await expect(lead.locator("main h2")).to_contain_text("Asia/Tokyo")
    rows = lead.locator("tbody tr")
    await expect(rows).to_have_count(3)  # newest first: dismiss, approve, claim
    await expect(rows.nth(0)).to_contain_text("bo")
    await expect(rows.nth(0)).to_contain_text("已电话联系")
    approved = rows.nth(1)
    await expect(approved).to_contain_text("批准回复")
    await expect(approved).to_contain_text("马上处理😀𠮷")
    await expect(approved.locator(".badge")).to_have_text("越过风格检查：老客户，语气可以轻松")
    tokyo = start.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M:%S")
    await expect(approved.locator("time")).to_have_text(tokyo)  # 10:00, not 01:00 UTC

    await lead.locator("select[name=actor]").select_option("amy")
    await lead.locator("select[name=type]").select_option("approved")
    async with lead.expect_navigation():
        await lead.get_by_role("button", name="筛选").click()
    await expect(rows).to_have_count(1)
    await expect(rows.nth(0)).to_contain_text("马上处理😀𠮷")
    csv = lead.locator("#csv")
    await expect(csv).to_have_text("导出 CSV")
    href = await csv.get_attribute("href")
    assert href == "/api/audit?actor=amy&type=approved&format=csv"
    got = await lead.request.get(url(client, href))
    text = (await got.body()).decode("utf-8-sig")
    assert got.status == 200 and "text/csv" in got.headers["content-type"]
    lines = text.strip().splitlines()
    assert len(lines) == 2 and "马上处理😀𠮷" in lines[1] and lines[1].startswith(tokyo)

    # The time range is read in the team's zone: from a minute on, only bo's dismissal.
    since = (start.astimezone(TOKYO)).strftime("%Y-%m-%dT%H:%M")
    await lead.goto(url(client, "/audit"))
    await lead.locator("input[name=since]").fill(since.replace("T10:00", "T10:01"))
    async with lead.expect_navigation():
        await lead.get_by_role("button", name="筛选").click()
    await expect(rows).to_have_count(1)
    await expect(rows.nth(0)).to_contain_text("忽略")
    await lead.goto(url(client, "/audit?until=" + since))
    await expect(lead.locator(".empty")).to_have_text("没有符合条件的记录。")


async def test_a_bad_filter_is_explained_in_chinese(lead: Page, client: Client) -> None:
    resp = await lead.goto(url(client, "/audit?since=yesterday"))
    assert resp is not None and resp.status == 400
    await expect(lead.locator("[role=alert]")).to_contain_text("筛选条件有误")


async def test_the_audit_page_fits_a_phone_and_is_photographed(
    lead: Page, client: Client, clock: FakeClock, client_as: ClientAs
) -> None:
    await work(client, clock, client_as)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 400):
        await lead.set_viewport_size({"width": width, "height": 800})
        await lead.goto(url(client, "/audit"))
        await expect(lead.locator("tbody tr")).to_have_count(3)
        fits = await lead.evaluate("document.documentElement.scrollWidth <= innerWidth")
        assert fits, f"the audit page scrolls sideways at {width} px"
        await lead.screenshot(path=str(SHOTS / f"audit-{width}.png"), full_page=True)
