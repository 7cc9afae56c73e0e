"""The customer's history in chromium: the detail lists the same person's mentions still
in the queue, and their earlier ones with what we replied (on a desk at 1280 px, and on a
touch phone at 390 px where the detail opens when the row is tapped), and an agent links
another account as the same person and unlinks it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from playwright.async_api import Browser, Page, expect

from connectors.model import Author
from tests.fakes import FakeClock, mention
from tests.ui.conftest import SHOTS, Client, signed_in, url
from tests.workspace import feed, mid

WANG = Author(id="u1", name="小王", followers=12)
LI = Author(id="u9", name="小李", followers=40)
EARLIER = "X7 电池一天就没电了，怎么回事"
TOLD = "抱歉让你着急了，电池的问题我们已经登记售后检测，明天联系你"
NOW = "第三次说电池了！还是一天一充"
OTHER = "小李的 X7 屏幕有条线"
WECHAT = "我在微信上也问过电池的事"
WAITING = "顺便问下，X7 的充电器可以单独买吗"  # 小王's other mention, still in the queue


async def _seed(client: Client, clock: FakeClock) -> str:
    """小王's earlier mention, answered; 小李's, dismissed; 小王 on WeChat (another account,
    dismissed); and 小王 writing again now. Returns the id of the one written now."""
    ago = clock.now() - timedelta(days=3)
    wechat = Author(id="oXyz", name="王先生", followers=0)
    await feed(
        client,
        clock,
        mention("e1", author=WANG, text=EARLIER, created_at=ago),
        mention("o1", author=LI, text=OTHER, created_at=ago + timedelta(hours=1)),
        mention("w1", author=wechat, text=WECHAT, platform="wechat", account="gh_3f2a", kind="dm",
                created_at=ago + timedelta(hours=2)),
    )  # fmt: skip
    reply = {"text": TOLD, "override": True}
    assert (await client.post(f"/api/mentions/{mid('e1')}/reply", json=reply)).status == 200
    assert (await client.post(f"/api/mentions/{mid('o1')}/dismiss", json={})).status == 200
    wx = mid("w1", "wechat", "gh_3f2a")
    assert (await client.post(f"/api/mentions/{wx}/dismiss", json={})).status == 200
    await feed(client, clock, mention("q1", author=WANG, text=WAITING))
    await feed(client, clock, mention("n1", author=WANG, text=NOW))
    return mid("n1")


async def _shows_the_earlier_reply(page: Page) -> None:
    history = page.locator("#history")
    await expect(page.locator("#history-count")).to_have_text("已处理 1 条")
    item = history.locator(f'#history-items li[data-id="{mid("e1")}"]')
    await expect(item.locator("button.said")).to_have_text(EARLIER)
    await expect(item.locator("blockquote.reply")).to_have_text("我们回复：" + TOLD)
    await expect(item.locator(".badge.state")).to_have_text("已批准")
    await expect(history).not_to_contain_text(OTHER)  # another person's
    await expect(page.locator("#history-open-count")).to_have_text("此人还有 1 条在队列里：")
    waiting = history.locator(f'#history-open li[data-id="{mid("q1")}"]')
    await expect(waiting.locator("button.said")).to_have_text(WAITING)
    await expect(waiting.locator(".badge.state")).to_have_text("待回复")


async def test_the_detail_shows_the_persons_history_and_links_another_account(
    page: Page, client: Client, clock: FakeClock
) -> None:
    now = await _seed(client, clock)
    await page.goto(url(client, f"/?m={now}"))
    await expect(page.locator("#reply")).to_have_attribute("data-id", now)
    await _shows_the_earlier_reply(page)
    await expect(page.locator("#history")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.locator("#history").screenshot(path=SHOTS / "history-desk.png")

    # 王先生 on WeChat is the same person: linked, his WeChat message shows too.
    await page.locator("#people summary").click()
    await page.locator("#link-platform").select_option("wechat")
    await page.locator("#link-author").fill("oXyz")
    await page.locator("#link-add").click()
    await expect(page.locator("#history-count")).to_have_text("已处理 2 条")
    first = page.locator("#history-items li").first
    await expect(first.locator("button.said")).to_have_text(WECHAT)
    await expect(first.locator(".meta").first).to_contain_text("微信 · 王先生")
    await expect(page.locator("#linked li")).to_have_count(1)
    await expect(page.locator("#linked li")).to_contain_text("微信 oXyz")
    history = await (await client.get(f"/api/mentions/{now}/history")).json()
    assert history["linked"] == [{"platform": "wechat", "author_id": "oXyz"}]

    await page.locator("#linked button.unlink").click()
    await expect(page.locator("#history-count")).to_have_text("已处理 1 条")
    await expect(page.locator("#linked")).to_have_count(0)
    # Opening an earlier one from the history shows it (closed: its reply, no editor).
    await page.locator(f'#history-items li[data-id="{mid("e1")}"] button.said').click()
    await expect(page.locator("#approved-text")).to_have_text(TOLD)


@pytest.fixture
async def phone(browser: Browser, client: Client) -> AsyncIterator[Page]:
    """A touch phone (390x844) signed in as amy."""
    size = {"width": 390, "height": 844}
    async with signed_in(browser, client, viewport=size, has_touch=True, is_mobile=True) as opened:
        yield opened


async def test_on_a_phone_the_tapped_mention_shows_the_history(
    phone: Page, client: Client, clock: FakeClock
) -> None:
    now = await _seed(client, clock)
    await phone.goto(url(client))
    row = phone.locator(f'#list [data-id="{now}"]')
    await row.tap()
    await expect(phone.locator("#reply")).to_have_attribute("data-id", now)
    await expect(phone.locator("#back")).to_be_in_viewport()
    await _shows_the_earlier_reply(phone)
    said = phone.locator("#history-items button.said").first
    await said.scroll_into_view_if_needed()
    await expect(said).to_be_in_viewport()
    box = await said.bounding_box()
    assert box and box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 390
    summary = await phone.locator("#people summary").bounding_box()
    assert summary and summary["height"] >= 44
    await phone.screenshot(path=SHOTS / "history-phone.png")
