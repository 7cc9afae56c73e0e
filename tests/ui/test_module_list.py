"""list.js in the real page: the order (a crisis pinned, then by deadline), each row's
countdown class, what upsert and remove do to the rows and the count, the filters
(search, then the 无需回复 view), and the rows' tick, which turns a calm countdown
to warn as the server's time passes."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client, open_page, seed
from tests.workspace import feed, mid

ORDER = [mid("fire"), mid("late"), mid("soon"), mid("fresh")]


async def rows(page: Page) -> list[str]:
    ids: list[str] = await page.locator("#list .row").evaluate_all(
        "(rs) => rs.map((r) => r.dataset.id)"
    )
    return ids


async def test_order_countdowns_upsert_and_remove(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await seed(client, clock)
    await open_page(page, client)
    assert await rows(page) == ORDER
    classes = await page.locator("#list .row .countdown").evaluate_all(
        "(cs) => cs.map((c) => c.classList[1])"
    )
    assert classes == ["calm", "late", "warn", "calm"]
    await expect(page.locator("#count")).to_have_text("4 / 4")
    await expect(page.locator("#more")).to_be_hidden()
    # A mention closed elsewhere leaves the list; a new open one goes in its place in order.
    await page.evaluate(
        """async ([closed, back]) => {
          const l = await import("/static/list.js"), s = await import("/static/state.js");
          const item = (id) => structuredClone(s.S.items.find((m) => m.id === id));
          const gone = item(closed), again = item(back);
          l.remove(back);
          l.upsert(Object.assign(gone, { state: "dismissed" }));
          l.upsert(again);
        }""",
        [mid("late"), mid("soon")],
    )
    assert await rows(page) == [mid("fire"), mid("soon"), mid("fresh")]
    await expect(page.locator("#count")).to_have_text("3 / 3")
    # Twelve minutes on the server's clock: fresh's 15 minutes are down to 3 (warn).
    await page.evaluate(
        """async () => {
          const l = await import("/static/list.js"), s = await import("/static/state.js");
          s.S.skew += 12 * 60 * 1000;
          l.tickRows();
        }"""
    )
    fresh = page.locator(f'#list [data-id="{mid("fresh")}"] .countdown')
    await expect(fresh).to_have_class("countdown warn")
    await expect(fresh.locator(".left")).to_have_text(re.compile(r"^剩 (2分\d+|3分0)秒$"))


async def test_search_and_the_no_reply_view(page: Page, client: Client, clock: FakeClock) -> None:
    await seed(client, clock)
    await open_page(page, client)
    await page.fill("#q", "发货")
    await expect(page.locator("#list .row")).to_have_count(1)
    assert await rows(page) == [mid("late")]
    matched = await page.evaluate(
        """(texts) => import("/static/list.js").then((l) => texts.map((text) => l.matches({
          state: "queued", platform: "weibo", account: "x", kind: "comment", intent: null,
          sentiment: { label: "negative" }, text, author: { name: "a" } })))""",
        ["还没发货", "拍照好看"],
    )
    assert matched == [True, False]
    await page.locator('[data-view="no_reply"]').click()
    await expect(page.locator('[data-view="no_reply"]')).to_have_attribute("aria-pressed", "true")
    await expect(page.locator("#noreply-why")).to_contain_text("不计时")
    await expect(page.locator("#empty")).to_be_visible()


async def test_a_keyword_the_server_finds_in_a_follow_up_is_shown_and_counted(
    page: Page, client: Client, clock: FakeClock
) -> None:
    """The page shows the server's answer as it is: a keyword found only in a follow-up
    (which the page never loads) is one row of one, not "0 / 1"; ASCII in either case."""
    await feed(
        client,
        clock,
        mention("head", thread_id="t1", kind="comment", text="X7 的快充头在哪买"),
        mention("more", thread_id="t1", kind="comment", text="人呢？等半天了"),
        mention("other", text="拍照很好看"),
    )
    await open_page(page, client)
    await page.fill("#q", "人呢")
    await expect(page.locator("#count")).to_have_text("1 / 1")
    assert await rows(page) == [mid("head")]
    await page.fill("#q", "x7")
    await expect(page.locator("#count")).to_have_text("1 / 1")
    assert await rows(page) == [mid("head")]
    found = await page.evaluate(
        """() => import("/static/list.js").then((l) => l.matches({
          state: "queued", platform: "weibo", account: "x", kind: "comment", intent: null,
          sentiment: { label: "neutral" }, text: "新的 X7 问题", author: { name: "a" } }))"""
    )
    assert found is True  # a live arrival is checked the way the server folds case
