"""Who is speaking and 无需回复 in headless chromium against the real app, at desktop and
phone width: the role, 意图不确定 and aspect chips on a row; the 无需回复 view with its
reasons and counts; its 需要回复 button; and 无需回复 chosen when dismissing."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from playwright.async_api import Browser, Page, expect

from connectors.model import Author
from responder.config import SlaConfig
from responder.drafts.suggest import sample_job, unsuggested
from responder.services import STORE
from responder.sla.timer import timing
from responder.store.enqueue import Ready
from tests.fakes import FakeClock, mention
from tests.ui.conftest import SHOTS, Client, open_page
from tests.workspace import app_of, feed, mid

FAN = "回复 电池焦虑 :老哥别慌 我的也掉了3% 一年掉几个点是正常损耗"


async def _seed(client: Client, clock: FakeClock) -> None:
    """A fan answering a fan (set aside), and one mention understood in every part."""
    fan = mention("f1", platform="tieba", kind="reply", thread_id="t9", text=FAN, reply_to="user")
    await feed(client, clock, fan)
    base = unsuggested(sample_job())
    known = replace(
        base.understanding,
        intent="system_update",
        role="customer",
        intent_confidence=0.4,
        uncertain=True,
        aspects=(("smoothness", "pos"), ("battery", "neg")),
    )
    now, sla = clock.now(), SlaConfig()
    ready = Ready(
        mention=mention("u1", text="X7 已更 流畅度+1 续航-1", author=Author(id="u", name="老用户")),
        suggestion=replace(base, understanding=known),
        timing=timing(now, now, respond_within=sla.respond_within, warn_after=sla.warn_after),
        source="demo",
        ingested_at=now,
    )
    await app_of(client)[STORE].enqueue([ready], now)


@pytest.mark.parametrize("width", [1280, 400])
async def test_roles_aspects_and_the_no_reply_view(
    browser: Browser, client: Client, clock: FakeClock, width: int
) -> None:
    await _seed(client, clock)
    context = await browser.new_context(viewport={"width": width, "height": 800}, locale="zh-CN")
    try:
        page = await context.new_page()
        await open_page(page, client)
        row = page.locator(f'#list [data-id="{mid("u1")}"]')
        await expect(row.locator(".badge.role")).to_have_text("顾客")
        await expect(row.locator(".badge.uncertain")).to_have_text("意图不确定（可能是系统更新）")
        await expect(row.locator(".chip")).to_have_text(["流畅 +", "续航 −"])
        await expect(page.locator("#understood .badge.role")).to_have_text("顾客")
        await expect(page.locator("#list .row")).to_have_count(1)  # the fan is not queued
        await page.locator('[data-view="no_reply"]').click()
        fan = page.locator(f'#list [data-id="{mid("f1", platform="tieba")}"]')
        await expect(fan.locator(".badge.role")).to_have_text("网友互答")
        await expect(fan.locator(".badge.noreply")).to_have_text(re.compile("^无需回复：.+"))
        await expect(page.locator("#noreply-why")).to_contain_text("不计时")
        await expect(page.locator("#noreply-why")).to_contain_text(" 1")
        await _no_overflow(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=SHOTS / f"no-reply-{width}.png")
        await fan.click()
        await expect(page.locator("#noreply-note")).to_contain_text("无需回复：")
        await page.locator("#needs-reply").click()
        await expect(page.locator("#toast")).to_have_text("已移回队列，从现在开始计时")
        await expect(fan).to_have_count(0)
        after = await (await client.get(f"/api/mentions/{mid('f1', platform='tieba')}")).json()
        assert after["state"] == "queued" and after["events"][-1]["type"] == "needs_reply"
        await page.locator('[data-view="all"]').click()
        await expect(page.locator("#list .row")).to_have_count(2)
    finally:
        await context.close()


async def test_choosing_no_reply_when_dismissing_sets_it_aside(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("q1", text="@澜星 请问X7支持无线充电吗？"))
    await open_page(page, client)
    await page.keyboard.press("d")
    dialog = page.locator("#dismiss")
    await expect(dialog).to_be_visible()
    await dialog.locator('input[name=why][value="无需回复"]').check()
    await dialog.locator("input[name=note]").fill("老粉在聊天")
    await page.locator("#dismiss-ok").click()
    await expect(page.locator("#toast")).to_have_text("已移到“无需回复”")
    after = await (await client.get(f"/api/mentions/{mid('q1')}")).json()
    assert (after["state"], after["reply_reason"]) == ("no_reply", "other")
    assert after["events"][-1]["note"] == "老粉在聊天"


async def _no_overflow(page: Page) -> None:
    widths = "[document.scrollingElement.scrollWidth, window.innerWidth]"
    scroll, inner = await page.evaluate(widths)
    assert scroll <= inner, f"page is {scroll}px wide in a {inner}px window"
