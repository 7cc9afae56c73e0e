"""The workspace's less common paths in chromium: corrections, closed windows, replies
posted by hand, paging, the help overlay, times and Weibo's length rule."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from playwright.async_api import Page, Request, expect

from connectors.errors import PostByHand
from connectors.weibo.length import weibo_length
from responder.outbox.sender import Sender
from responder.outbox.store import OutboxStore
from responder.services import STORE
from responder.store.keys import mention_id
from tests.fakes import FakeClock, ScriptedConnector, mention
from tests.ui.conftest import Client, open_page, url
from tests.workspace import app_of, feed, mid

SAMPLES = [
    "",
    "好",
    "a",
    "ab",
    "abc",
    "好的abc",
    "X7 又卡了，烦死了",
    "😀𠮷",
    "👍🏽 thanks!",
    "全角，标点！？",
    "https://weibo.com/1234567890/AbCdEfG",
    "好" * 140,
    "a" * 281,
    "\u3000 \t\n",
]


async def test_the_counter_counts_as_the_connector_does(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await page.goto(url(client))
    counted = await page.evaluate(
        "xs => import('/static/reply.js').then((m) => xs.map(m.weiboLength))", SAMPLES
    )
    assert counted == [weibo_length(s) for s in SAMPLES]


async def test_reach_and_durations_read_in_chinese(page: Page, client: Client) -> None:
    await page.goto(url(client))
    shown = await page.evaluate(
        "xs => import('/static/dom.js').then((m) => xs.map(m.reach))",
        [0, 9800, 10000, 12345, 3820457, 120000000],
    )
    assert shown == ["0", "9,800", "1万", "1.2万", "382万", "1.2亿"]
    left = await page.evaluate(
        "xs => import('/static/dom.js').then((m) => xs.map(m.duration))", [0, 151000, -328000]
    )
    assert left == ["0秒", "2分31秒", "5分28秒"]


async def test_a_sentiment_correction_shows_at_once(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1", text="X7 又卡了，烦死了"))
    await open_page(page, client)
    await page.locator("#fix-sentiment").select_option("neutral")
    row = page.locator(f'#list [data-id="{mid("1")}"]')
    await expect(row.locator(".badge.s-neutral")).to_have_text("中性（已更正）")
    item = await (await client.get(f"/api/mentions/{mid('1')}")).json()
    assert item["sentiment"]["corrected"] == "neutral"


async def test_times_are_in_the_teams_zone(page: Page, client: Client, clock: FakeClock) -> None:
    await feed(client, clock, mention("1"))  # created 01:00 UTC, 09:00 in Shanghai
    await open_page(page, client)
    await expect(page.locator("#detail")).to_contain_text("发布于 11/20 09:00:00")
    await expect(page.locator("#detail .events")).to_contain_text("11/20 09:00:00")


async def test_a_closed_wechat_window_cannot_be_approved(
    page: Page, client: Client, clock: FakeClock
) -> None:
    until = clock.now() + timedelta(hours=1)
    chat = mention("1", platform="wechat", kind="message", reply_until=until)
    await feed(client, clock, chat)
    clock.advance(3601)
    await open_page(page, client)
    await expect(page.locator("#list .row .where")).to_contain_text("微信")
    await expect(page.locator("#detail .closed")).to_contain_text("48 小时")
    await expect(page.locator("#approve")).to_be_disabled()
    await page.keyboard.press("a")
    await expect(page.locator("#toast")).to_have_text("已超出回复窗口，不能批准")
    item = await (await client.get(f"/api/mentions/{mention_id('wechat', 'lanxing', '1')}")).json()
    assert item["state"] == "queued"


async def test_a_tieba_reply_is_copied_then_marked_sent(
    page: Page, client: Client, clock: FakeClock
) -> None:
    ask = "X7 更新后一直卡，怎么办？"
    await feed(
        client, clock, mention("1", platform="tieba", kind="reply", thread_id="t1", text=ask)
    )
    tid = mention_id("tieba", "lanxing", "1")
    approved = await client.post(f"/api/mentions/{tid}/approve", json={"text": "来啦，马上看"})
    assert approved.status == 200
    link = "https://tieba.baidu.com/p/t1?pid=1#1"
    tieba = ScriptedConnector("demo")
    tieba.replies = [PostByHand("请手动回复", url=link)]
    outbox = OutboxStore(app_of(client)[STORE])
    await outbox.ensure_group()
    sender = Sender(outbox, {"demo": tieba}.get, clock, consumer="t")
    for _ in range(3):
        await sender.step()
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await page.goto(url(client))
    await page.locator("select[name=state]").select_option("manual")
    await expect(page.locator(f'#list [data-id="{tid}"]')).to_have_count(1)
    await expect(page.locator("#approved-text")).to_have_text("来啦，马上看")
    await expect(page.locator("#detail a", has_text="去贴吧发布")).to_have_attribute("href", link)
    await page.locator("#copy").click()
    assert await page.evaluate("navigator.clipboard.readText()") == "来啦，马上看"
    await page.locator("#mark-sent").click()
    await expect(page.locator(f'#list [data-id="{tid}"]')).to_have_count(0)
    item = await (await client.get(f"/api/mentions/{tid}")).json()
    assert item["state"] == "sent"


async def test_more_than_a_page_says_how_many_and_loads_more(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, *(mention(str(n), text=f"第{n}条：X7 卡了") for n in range(205)))
    await open_page(page, client)
    await expect(page.locator("#count")).to_have_text("200 / 205")
    await page.locator("#more").click()
    await expect(page.locator("#count")).to_have_text("205 / 205")
    await expect(page.locator("#list .row")).to_have_count(205)
    await expect(page.locator("#more")).to_be_hidden()


async def test_question_mark_shows_the_keys(page: Page, client: Client, clock: FakeClock) -> None:
    await feed(client, clock, mention("1"))
    await open_page(page, client)
    await page.keyboard.press("?")
    help = page.locator("#help")
    await expect(help).to_be_visible()
    await expect(help).to_contain_text(re.compile("批准发送"))
    await page.keyboard.press("Escape")
    await expect(help).to_be_hidden()


async def test_views_filters_and_search_ask_the_queue(
    page: Page, client: Client, clock: FakeClock
) -> None:
    """The page asks GET /api/queue with the contract's parameters (the server side of
    views and filters is the api part's; its own tests check what comes back)."""
    await feed(client, clock, mention("1"))
    await open_page(page, client)

    def queue(request: Request) -> bool:
        return "/api/queue?" in request.url

    def searched(request: Request) -> bool:  # the search box waits for a pause in typing
        return queue(request) and "q=" in request.url

    async with page.expect_request(queue) as mine:
        await page.get_by_role("button", name="我的").click()
    asked = parse_qs(urlsplit((await mine.value).url).query)
    assert asked["view"] == ["mine"] and asked["state"] == ["open"]
    await expect(page.get_by_role("button", name="我的")).to_have_attribute("aria-pressed", "true")
    async with page.expect_request(searched) as found:
        await page.locator("select[name=platform]").select_option("weibo")
        await page.locator("select[name=sentiment]").select_option("negative")
        await page.locator("#q").fill("卡")
    asked = parse_qs(urlsplit((await found.value).url).query)
    assert asked["platform"] == ["weibo"] and asked["sentiment"] == ["negative"]
    assert asked["q"] == ["卡"] and asked["limit"] == ["200"] and asked["offset"] == ["0"]
    async with page.expect_request(queue) as by:
        await page.locator("select[name=sort]").select_option("priority")
    assert parse_qs(urlsplit((await by.value).url).query)["sort"] == ["priority"]
