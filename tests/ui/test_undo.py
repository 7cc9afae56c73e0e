"""Send with undo in the browser, at desk and phone width: approving shows a countdown
with 撤销; undone within it, the fake forum (real HTTP) sees no call and the reply is back
in the editor; left alone, the forum sees exactly one call once the countdown ends."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect

from responder.config import OutboxConfig
from responder.outbox.sender import Sender
from responder.store.keys import mention_id
from tests.conftest import MakeClient
from tests.fake_forum import Forum
from tests.fakes import FakeClock, mention
from tests.forum_outbox import background, posts
from tests.ui.conftest import Client, open_page, signed_in
from tests.workspace import feed

POST = mention("101", platform="forum", kind="comment", thread_id="7", text="@澜星 充电好慢")
MID = mention_id("forum", "lanxing", "101")
SIZES = {"desk": (1400, 900), "phone": (390, 844)}


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("ui-undo", outbox=OutboxConfig(undo_seconds=10))


@pytest.fixture
async def screen(browser: Browser, client: Client, size: str) -> AsyncIterator[Page]:
    """A page of `size` signed in as amy, its clock under the test's control."""
    width, height = SIZES[size]
    async with signed_in(browser, client, viewport={"width": width, "height": height}) as page:
        await page.clock.install()
        yield page


async def _open(page: Page, client: Client, size: str) -> None:
    await open_page(page, client)
    if size == "phone":  # the list is its own screen: the agent taps the mention
        await page.locator(f'#list [data-id="{MID}"]').click()


async def _after(
    page: Page, clock: FakeClock, seconds: float, client: Client, sender: Sender
) -> None:
    """Time passes on both clocks; the background tasks do their part."""
    clock.advance(seconds)
    await page.clock.fast_forward(int(seconds * 1000))
    await background(client, sender)


@pytest.mark.parametrize("size", ["desk", "phone"])
async def test_undo_within_the_countdown_sends_nothing(
    screen: Page,
    client: Client,
    clock: FakeClock,
    sender: Sender,
    forum: tuple[Forum, str],
    size: str,
) -> None:
    page = screen
    await feed(client, clock, POST)
    await _open(page, client, size)
    await page.locator("#reply").fill("来啦，马上帮你看看充电的事")
    await page.locator("#approve").click()
    bar = page.locator(".undo-bar")
    await expect(bar).to_contain_text("10 秒后发出")
    await _after(page, clock, 4, client, sender)
    await expect(bar).to_contain_text(re.compile(r"[56] 秒后发出"))
    await bar.get_by_role("button", name="撤销").click()
    await expect(bar).to_contain_text("已撤销，回复没有发出")
    await expect(page.locator("#list .row.selected")).to_have_attribute("data-id", MID)
    await expect(page.locator("#reply")).to_be_visible()  # back in the editor (a phone: its screen)
    await expect(page.locator("#reply")).to_have_value("来啦，马上帮你看看充电的事")
    await _after(page, clock, 30, client, sender)
    assert posts(forum[0]) == 0
    item = await (await client.get(f"/api/mentions/{MID}")).json()
    assert item["state"] == "queued" and item["held_by"] is None


@pytest.mark.parametrize("size", ["desk", "phone"])
async def test_after_the_countdown_it_goes_out_once(
    screen: Page,
    client: Client,
    clock: FakeClock,
    sender: Sender,
    forum: tuple[Forum, str],
    size: str,
) -> None:
    page = screen
    await feed(client, clock, POST)
    await _open(page, client, size)
    await page.locator(".draft").first.click()
    await page.locator("#approve").click()
    bar = page.locator(".undo-bar")
    await expect(bar).to_contain_text("秒后发出")
    await _after(page, clock, 10, client, sender)
    await expect(bar).to_contain_text("已发出给")
    await _after(page, clock, 10, client, sender)
    assert posts(forum[0]) == 1
    item = await (await client.get(f"/api/mentions/{MID}")).json()
    assert item["state"] == "sent" and forum[0].replies[0]["raw"] == item["reply_text"]


@pytest.mark.usefixtures("live")  # the held row comes back by the live stream
@pytest.mark.parametrize("size", ["desk"])
async def test_u_takes_back_the_newest_and_a_held_row_says_so(
    screen: Page,
    client: Client,
    clock: FakeClock,
    sender: Sender,
    forum: tuple[Forum, str],
    size: str,
) -> None:
    page = screen
    await feed(client, clock, POST, mention("2", text="耳机连不上"))
    await _open(page, client, size)
    await page.keyboard.press("1")
    await page.keyboard.press("a")
    await expect(page.locator(".undo-bar")).to_have_count(1)
    held = page.locator(f'#list [data-id="{MID}"] .badge.held')
    await expect(held).to_have_text("待发出（我批准）")
    await page.keyboard.press("Escape")
    await page.keyboard.press("u")
    await expect(page.locator(".undo-bar")).to_contain_text("已撤销")
    await expect(held).to_have_count(0)
    await _after(page, clock, 30, client, sender)
    assert posts(forum[0]) == 0
