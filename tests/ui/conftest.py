"""The real app on 127.0.0.1 (port 0, the session's embedded Redis, a FakeClock) driven by
Debian's chromium through Playwright; each test gets its own browser."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, Page, async_playwright, expect

from connectors.model import Author
from responder.live.broadcaster import LIVE
from responder.services import SERVICES
from tests.conftest import MakeClient
from tests.fakes import FakeClock, mention
from tests.workspace import app_of, feed

# Debian's chromium by default; TIEXIN_CHROMIUM names another Chromium or Chrome binary.
CHROMIUM = (
    os.environ.get("TIEXIN_CHROMIUM")
    or shutil.which("chromium")
    or shutil.which("chromium-browser")
    or shutil.which("google-chrome")
    or "/usr/bin/chromium"
)
ARGS = [
    *("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"),
    *("--disable-background-networking", "--disable-component-update"),
    *("--no-first-run", "--disable-sync"),
]
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
Client = TestClient[Any, Any]


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client("ui")


@pytest.fixture
async def live(client: Client) -> AsyncIterator[None]:
    """Run the live broadcaster in the test app the way the runtime does (the app is built
    with background=False), so GET /api/live carries events; stopped before the app."""
    app = app_of(client)
    supervisor = app[SERVICES].supervisor
    assert supervisor is not None
    supervisor.loop("live", app[LIVE].step)
    limit = time.monotonic() + 5
    while app[LIVE].last_id is None:  # until it has its place in the event stream
        assert time.monotonic() < limit, "the broadcaster did not start"
        await asyncio.sleep(0.01)
    yield
    await supervisor.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as driver:
        running = await driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield running
        await running.close()


@asynccontextmanager
async def signed_in(
    browser: Browser, client: Client, user: str = "amy", **options: Any
) -> AsyncIterator[Page]:
    """A page in a context of its own (`options`: viewport, has_touch …), signed in as
    `user`, held to the Content-Security-Policy until it closes."""
    context = await browser.new_context(locale="zh-CN", **options)
    opened = await context.new_page()
    refused = watch_policy(opened)
    await sign_in(opened, client, user)
    try:
        yield opened
    finally:
        await context.close()
    assert not refused, f"the page broke its Content-Security-Policy: {refused}"


@pytest.fixture
async def page(browser: Browser, client: Client) -> AsyncIterator[Page]:
    """A desktop-sized page signed in as amy (an agent)."""
    async with signed_in(browser, client, viewport={"width": 1280, "height": 800}) as opened:
        yield opened


def watch_policy(page: Page) -> list[str]:
    """What the browser refused under the Content-Security-Policy (an inline script or
    style, a framed page): every test's page is held to it."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return refused


async def sign_in(page: Page, client: Client, user: str) -> None:
    """Sign in through the login form as test user `user` (password "<user>-password")."""
    await page.goto(url(client, "/login?next=/api/me"))  # opening / would claim a mention
    await page.fill("#name", user)
    await page.fill("#password", f"{user}-password")
    async with page.expect_navigation():
        await page.click("button[type=submit]")


def url(client: Client, path: str = "/") -> str:
    return str(client.make_url(path))


async def seed(client: Client, clock: FakeClock) -> None:
    """Four mentions: one already late, one close to its deadline from a big account, a
    fresh one, and a fresh crisis (pinned first all the same)."""
    star = Author(id="u2", name="数码老张", followers=3_820_457, verified=True)
    await feed(
        client,
        clock,
        mention("late", created_at=clock.now() - timedelta(minutes=20), text="怎么还不发货？？？"),
        mention("soon", author=star, created_at=clock.now() - timedelta(minutes=12)),
        mention("fresh", text="谢谢澜星，X7 拍照太好看了"),
        mention("fire", text="X7 Pro 充电时冒烟起火了，已经报警"),
    )


async def open_page(page: Page, client: Client, user: str = "amy") -> None:
    """Load the workspace (signing in as `user` first if the page is not yet) and wait
    until the first mention's detail and claim are in."""
    await page.goto(url(client))
    if "/login" in page.url:
        await sign_in(page, client, user)
        await page.goto(url(client))
    await page.wait_for_selector("#list .row")
    await page.wait_for_selector("#reply")


async def open_live(page: Page, client: Client, clock: FakeClock) -> None:
    """Queue one complaint, load the workspace and wait until its live stream is on."""
    await feed(client, clock, mention("1", text="X7 又卡了，烦死了"))
    await open_page(page, client)
    await expect(page.locator("#live")).to_have_text("实时更新中")
