"""What the page does as time passes, with the browser's clock under the test's control:
the countdown runs in the page (the list's and the open mention's), browsing claims
nothing, a claim made by intent is renewed while the mention stays open and let go when
it is left untouched, and an agent who opted in is told when a mention enters the warning
window.

`later` moves the server's clock and the browser's together: the page sets its clock by the
server's `now` whenever it loads the list."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.async_api import Page, expect

from connectors.model import Author
from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client, open_page
from tests.workspace import feed, mid

# Records notifications instead of showing them (headless chromium has no notification UI).
RECORD = """
window.shown = [];
window.Notification = class { constructor(title, options) { window.shown.push(title); } };
window.Notification.permission = "granted";
window.Notification.requestPermission = async () => "granted";
"""


async def later(page: Page, clock: FakeClock, minutes: float) -> None:
    """Jump both clocks; the page's timers that fell due run once, as after a sleep."""
    clock.advance(minutes * 60)
    await page.clock.fast_forward(int(minutes * 60 * 1000))


async def test_the_countdown_runs_in_the_page(page: Page, client: Client, clock: FakeClock) -> None:
    await feed(client, clock, mention("1"))
    await page.clock.install()
    await open_page(page, client)
    box = page.locator(f'#list [data-id="{mid("1")}"] .countdown')
    shown = page.locator("#detail-countdown")  # the open mention's, ticking with the list's
    await expect(box).to_have_text(re.compile(r"^剩 1[45]分\d+秒$"))
    await page.keyboard.press("e")
    await page.keyboard.type("正在写")
    await later(page, clock, 11)  # no reload
    await expect(box).to_have_text(re.compile(r"^剩 [34]分\d+秒$"))
    await expect(box).to_have_class(re.compile("warn"))
    await expect(box.locator("svg.i-warn")).to_have_count(1)
    await expect(shown.locator(".left")).to_have_text(await box.inner_text())
    await expect(shown).to_have_class(re.compile("warn"))
    await later(page, clock, 5)
    await expect(box).to_have_text(re.compile(r"^已超时 \d分\d+秒$"))
    await expect(shown.locator(".left")).to_have_text(re.compile(r"^已超时 \d分\d+秒$"))
    await expect(page.locator("#reply")).to_be_focused()  # typed text and focus survive
    assert (await page.locator("#reply").input_value()).endswith("正在写")


async def test_browsing_claims_nothing(page: Page, client: Client, clock: FakeClock) -> None:
    await feed(client, clock, *(mention(str(n)) for n in range(6)))
    claims: list[str] = []
    page.on("request", lambda r: claims.append(r.url) if r.url.endswith("/claim") else None)
    await open_page(page, client)
    for _ in range(5):
        await page.keyboard.press("j")  # six mentions read, one after another
    await expect(page.locator("#list .row").last).to_have_class(re.compile("selected"))
    await expect(page.locator("#reply")).to_have_attribute("data-id", mid("5"))
    assert claims == []
    for n in range(6):
        item = await (await client.get(f"/api/mentions/{mid(str(n))}")).json()
        assert not item.get("claimed_by")
    await expect(page.locator("#list .row .claim")).to_have_count(0)
    async with page.expect_response(lambda r: r.url.endswith("/claim")) as taken:
        await page.keyboard.press("c")  # claimed on purpose
    assert (await taken.value).status == 200
    await expect(page.locator("#list .row .claim")).to_have_text("我在处理")
    assert (await (await client.get(f"/api/mentions/{mid('5')}")).json())["claimed_by"] == "amy"


async def test_intent_claims_and_an_open_mention_stays_claimed(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1"), mention("2"))
    await page.clock.install()
    await open_page(page, client)
    async with page.expect_request(lambda r: r.url.endswith("/claim")) as first:
        await page.locator("#reply").fill("好的，我们马上看")  # the first edit
    assert (await first.value).headers.get("x-csrf-token") is not None  # every write has it
    await expect(page.locator("#list .row .claim")).to_have_text("我在处理")
    for _ in range(2):  # renewed every 4 minutes of a 5-minute lock
        async with page.expect_response(lambda r: r.url.endswith("/claim")) as renewed:
            await later(page, clock, 4)
        assert (await renewed.value).status == 200
        item = await (await client.get(f"/api/mentions/{mid('1')}")).json()
        assert item["claimed_by"] == "amy"
        assert item["claim_until"] == (clock.now() + timedelta(minutes=5)).isoformat()


async def test_leaving_a_claimed_mention_untouched_lets_the_claim_go(
    page: Page, client: Client, clock: FakeClock
) -> None:
    """c then j: nothing was written, so the claim goes at once (others may take it). Words
    of one's own typed, then j: the claim stays until it runs out."""
    await feed(client, clock, mention("1"), mention("2"), mention("3"))
    await open_page(page, client)
    async with page.expect_response(lambda r: r.url.endswith("/claim")):
        await page.keyboard.press("c")
    async with page.expect_response(lambda r: r.url.endswith("/release")) as let_go:
        await page.keyboard.press("j")
    assert (await let_go.value).status == 200
    assert not (await (await client.get(f"/api/mentions/{mid('1')}")).json())["claimed_by"]
    await expect(page.locator(f'#list [data-id="{mid("1")}"] .claim')).to_have_count(0)
    await expect(page.locator("#reply")).to_have_attribute("data-id", mid("2"))
    async with page.expect_response(lambda r: r.url.endswith("/claim")):
        await page.locator("#reply").fill("稍等，我帮你查一下订单")  # their own words
    releases: list[str] = []
    page.on("request", lambda r: releases.append(r.url) if r.url.endswith("/release") else None)
    await page.locator("#reply").press("Escape")
    await page.keyboard.press("j")
    await expect(page.locator("#reply")).to_have_attribute("data-id", mid("3"))
    assert releases == []
    assert (await (await client.get(f"/api/mentions/{mid('2')}")).json())["claimed_by"] == "amy"


async def test_opted_in_agents_hear_of_a_mention_entering_the_warning_window(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1"))
    clock.advance(5 * 60)
    star = Author(id="u2", name="数码老张", followers=3_820_457, verified=True)
    await feed(client, clock, mention("2", author=star, created_at=clock.now()))
    await page.add_init_script(RECORD)
    await page.clock.install()
    await open_page(page, client)
    await later(page, clock, 6)  # the first enters its warning window
    await expect(page.locator("#list .countdown.warn")).to_have_count(1)
    assert await page.evaluate("window.shown") == []  # nobody opted in
    await page.locator("#notify").click()
    await expect(page.locator("#notify")).to_have_attribute("aria-pressed", "true")
    await later(page, clock, 5)  # now the second does
    await expect(page.locator("#list .countdown.warn")).to_have_count(1)
    assert await page.evaluate("window.shown") == ["即将超时：数码老张"]


async def test_follow_ups_show_in_the_thread(page: Page, client: Client, clock: FakeClock) -> None:
    late = clock.now() + timedelta(seconds=30)
    await feed(client, clock, mention("1", thread_id="t"))
    await feed(client, clock, mention("2", thread_id="t", text="人呢", created_at=late))
    await open_page(page, client)
    await expect(page.locator("#list .row")).to_have_count(1)
    await expect(page.locator("#list .row .badges")).to_contain_text("追问 1")
    await expect(page.locator("#detail .thread li")).to_contain_text("人呢")


async def test_without_the_live_stream_the_list_refreshes_and_a_crisis_alerts(
    page: Page, client: Client, clock: FakeClock
) -> None:
    # The stream answers 404 here whether or not the server has one: this is the fallback.
    await page.route("**/api/live", lambda route: route.fulfill(status=404, body="{}"))
    await feed(client, clock, mention("1"))
    await page.add_init_script(RECORD)
    await page.clock.install()
    await open_page(page, client)
    await expect(page.locator("#live")).to_have_text("每 15 秒刷新")
    await page.locator("#notify").click()
    await page.locator("#reply").fill("写到一半")
    await feed(client, clock, mention("2", text="X7 Pro 充电时冒烟起火了，已经报警"))
    await later(page, clock, 0.25)
    rows = page.locator("#list .row")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_have_attribute("data-id", mid("2"))  # the crisis, on top
    assert await page.evaluate("window.shown") == ["🚨 危机提及：小王"]
    await expect(page.locator("#reply")).to_have_value("写到一半")
    await expect(page.locator("#list .row.selected")).to_have_attribute("data-id", mid("1"))


async def test_a_follow_up_while_open_shows_as_new_and_keeps_the_reply(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await page.route("**/api/live", lambda route: route.fulfill(status=404, body="{}"))
    await feed(client, clock, mention("1", thread_id="t"))
    await page.clock.install()
    await open_page(page, client)
    await page.locator("#reply").fill("马上帮你查")
    late = clock.now() + timedelta(seconds=20)
    await feed(client, clock, mention("2", thread_id="t", text="人呢", created_at=late))
    await later(page, clock, 0.25)
    fresh = page.locator("#detail .thread li.new")
    await expect(fresh).to_contain_text("人呢")
    await expect(fresh).to_contain_text("新")
    await expect(page.locator("#toast")).to_have_text("对方又发了新消息")
    await expect(page.locator("#reply")).to_have_value("马上帮你查")
