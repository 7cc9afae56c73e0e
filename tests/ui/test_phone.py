"""The workspace on a phone (390x844, touch): list and detail are two screens, the main
actions sit in a bar at the bottom, every tap target is at least 44 px tall and no
keyboard hint shows; at 1400x900 with a mouse the page is the side-by-side desk it was."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Page, expect

from tests.fakes import FakeClock, mention
from tests.ui.conftest import SHOTS, Client, sign_in, url, watch_policy
from tests.workspace import feed, mid

WIDTH, HEIGHT = 390, 844
ROWS = 30  # enough for the list to scroll several screens
# The first row lying wholly on screen: tapping it scrolls nothing.
ON_SCREEN = """() => [...document.querySelectorAll('#list .row')].find((r) => {
  const b = r.getBoundingClientRect(); return b.top >= 0 && b.bottom <= innerHeight;
}).dataset.id"""
# Every control a finger can reach (a checkbox or radio through its label), as
# [what, height in px]: shown, not under the open detail, not inside the closed one.
TARGETS = """() => [...document.querySelectorAll('button, select, input, textarea, #list .row')]
  .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden'
    && !e.closest('[inert]') && (!e.closest('dialog') || e.closest('dialog').open))
  .map((e) => ['checkbox', 'radio'].includes(e.type) ? e.closest('label') : e)
  .map((e) => [e.tagName === 'LABEL' ? 'label' : e.id || e.className || e.textContent.trim(),
    e.getBoundingClientRect().height])"""
DETAIL_X = "document.getElementById('detail').getBoundingClientRect().x"  # slides in from the right
HINTS = "(a)", "(d)", "按 e 编辑", "快捷键", "用 j / k"


@pytest.fixture
async def phone(browser: Browser, client: Client, clock: FakeClock) -> AsyncIterator[Page]:
    """A touch phone signed in as amy on a workspace with ROWS mentions."""
    await feed(client, clock, *(mention(str(i), text=f"第{i}条：X7 又卡了") for i in range(ROWS)))
    context = await browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT}, has_touch=True, is_mobile=True, locale="zh-CN"
    )
    opened = await context.new_page()
    refused = watch_policy(opened)
    await sign_in(opened, client, "amy")
    await opened.goto(url(client))
    await expect(opened.locator("#list .row")).to_have_count(ROWS)
    await opened.wait_for_selector("#reply", state="attached")  # the first one, read
    yield opened
    await context.close()
    assert not refused, f"the page broke its Content-Security-Policy: {refused}"


async def scrolled(page: Page) -> int:
    await page.evaluate("scrollTo(0, 1500)")
    return int(await page.evaluate("scrollY"))


async def on_detail(page: Page, id_: str) -> None:
    """The detail of `id_` fills the screen from its top edge; the list is hidden."""
    await expect(page.locator("#reply")).to_have_attribute("data-id", id_)
    await page.wait_for_function(f"() => {DETAIL_X} === 0")
    box = await page.locator("#detail").bounding_box()
    assert box and (box["x"], box["y"], box["width"]) == (0, 0, WIDTH)
    title = await page.locator("#detail-title").bounding_box()
    assert title and 0 < title["y"] < 120, f"the detail's title is at {title}"
    await expect(page.locator("#back")).to_be_in_viewport()
    await expect(page.locator("#list")).to_be_hidden()
    await expect(page.locator(".filters")).to_be_hidden()
    assert f"m={id_}" in page.url


async def on_list(page: Page, top: int | None) -> None:
    """The list is back (at scrollTop `top` if given), the detail off screen and out of
    reach."""
    await expect(page.locator("#list")).to_be_visible()
    await expect(page.locator("#back")).to_be_hidden()
    assert await page.evaluate("document.getElementById('detail').inert")
    await page.wait_for_function(f"() => {DETAIL_X} >= {WIDTH}")
    if top is not None:
        assert await page.evaluate("scrollY") == top
    assert "m=" not in page.url


async def test_a_tap_opens_the_detail_and_back_returns_to_the_same_place(phone: Page) -> None:
    # Closed, the detail waits beside the screen: the list is all there is.
    await on_list(phone, 0)
    top = await scrolled(phone)
    assert top == 1500
    first = await phone.evaluate(ON_SCREEN)
    await phone.locator(f'#list [data-id="{first}"]').tap()
    await on_detail(phone, first)
    SHOTS.mkdir(parents=True, exist_ok=True)
    await phone.screenshot(path=SHOTS / "phone-detail.png")
    await phone.locator("#back").tap()
    await on_list(phone, top)
    row = phone.locator(f'#list [data-id="{first}"]')  # the row just read, still marked
    await expect(row).to_have_class("row selected")
    await expect(row).to_be_in_viewport()
    await phone.screenshot(path=SHOTS / "phone-list.png")
    # The browser's back does the same, and stays on the page.
    second = await phone.evaluate(ON_SCREEN)
    await phone.locator(f'#list [data-id="{second}"]').tap()
    await on_detail(phone, second)
    await phone.go_back()
    await on_list(phone, top)
    assert urlsplit(phone.url).path == "/"  # still the workspace
    await expect(phone.locator(f'#list [data-id="{second}"]')).to_have_class("row selected")


async def test_approving_or_dismissing_from_the_bar_returns_to_the_list(
    phone: Page, client: Client
) -> None:
    top = await scrolled(phone)
    first = await phone.evaluate(ON_SCREEN)
    await phone.locator(f'#list [data-id="{first}"]').tap()
    await on_detail(phone, first)
    bar = await phone.locator(".actions.bar").bounding_box()  # at the bottom, not scrolled to
    assert bar and bar["y"] + bar["height"] == HEIGHT and bar["width"] == WIDTH
    await phone.locator("#approve").tap()
    await expect(phone.locator(f'#list [data-id="{first}"]')).to_have_count(0)
    await on_list(phone, top)
    await expect(phone.locator("#list .row.selected")).to_have_count(0)  # no next one opened
    after = await (await client.get(f"/api/mentions/{first}")).json()
    assert after["state"] == "approved"
    second = await phone.evaluate(ON_SCREEN)
    await phone.locator(f'#list [data-id="{second}"]').tap()
    await on_detail(phone, second)
    await phone.locator("#dismiss-open").tap()
    await phone.locator("#dismiss-ok").tap()
    await expect(phone.locator(f'#list [data-id="{second}"]')).to_have_count(0)
    await on_list(phone, top)
    assert (await (await client.get(f"/api/mentions/{second}")).json())["state"] == "dismissed"


async def test_a_link_to_a_mention_opens_it_and_back_shows_the_list(
    phone: Page, client: Client
) -> None:
    await phone.goto(url(client, f"/?m={mid('7')}"))
    await on_detail(phone, mid("7"))
    await phone.go_back()  # the list was put under it: back stays on the workspace
    await on_list(phone, None)
    row = phone.locator(f'#list [data-id="{mid("7")}"]')
    await expect(row).to_have_class("row selected")
    await expect(row).to_be_in_viewport()  # brought on screen: the agent finds it


async def test_the_reply_stays_above_the_bar_and_the_keyboard(phone: Page) -> None:
    first = await phone.evaluate(ON_SCREEN)
    await phone.locator(f'#list [data-id="{first}"]').tap()
    await on_detail(phone, first)
    # Scrolled to its end, the detail's last line clears the bar: nothing hides under it.
    await phone.locator("#detail").evaluate("(d) => { d.scrollTop = d.scrollHeight }")
    last = await phone.locator("#detail > :last-child").bounding_box()
    bar = await phone.locator(".actions.bar").bounding_box()
    assert last and bar and last["y"] + last["height"] <= bar["y"], (last, bar)
    # The keyboard up (the page shrinks to what is left, interactive-widget=resizes-content):
    # the bar sits on it and the reply being typed shows whole above the bar.
    await phone.evaluate("document.getElementById('detail').scrollTop = 0")
    await phone.set_viewport_size({"width": WIDTH, "height": 420})
    await phone.locator("#reply").focus()
    await phone.keyboard.type("好的")
    reply = await phone.locator("#reply").bounding_box()
    bar = await phone.locator(".actions.bar").bounding_box()
    assert reply and bar and bar["y"] + bar["height"] == 420
    assert reply["y"] >= 0 and reply["y"] + reply["height"] <= bar["y"], (reply, bar)
    # Brought into view the least a browser does (as for the caret), it stops above the bar.
    await phone.locator("#detail").evaluate("(d) => { d.scrollTop = 0 }")
    await phone.locator("#reply").evaluate("(r) => r.scrollIntoView({ block: 'nearest' })")
    reply = await phone.locator("#reply").bounding_box()
    assert reply and reply["y"] + reply["height"] <= bar["y"], (reply, bar)


async def test_every_tap_target_is_at_least_44px(phone: Page) -> None:
    await phone.locator("#filters-toggle").tap()  # the folded filters too
    # and the 1 条新提及 cue
    await phone.evaluate("import('/static/unread.js').then((m) => m.arrived('x'))")
    await expect(phone.locator("#new-cue")).to_be_visible()
    await expect(phone.locator("#filter-form select[name=platform]")).to_be_visible()
    found = await phone.evaluate(TARGETS)
    assert len(found) >= ROWS + 12  # the rows, views, filters, header buttons
    assert [t for t in found if t[1] < 44] == []
    await phone.locator("#list .row").first.tap()
    await expect(phone.locator("#back")).to_be_visible()
    found = await phone.evaluate(TARGETS)
    assert {"back", "approve", "dismiss-open", "reply", "draft"} <= {t[0] for t in found}
    assert [t for t in found if t[1] < 44] == []
    await phone.locator("#dismiss-open").tap()  # the dismiss dialog's radios and buttons
    found = await phone.evaluate(TARGETS)
    assert len([t for t in found if t[0] == "label"]) == 4  # the four reasons' labels
    assert [t for t in found if t[1] < 44] == []


async def test_folded_filters_say_how_many_are_set(phone: Page, client: Client) -> None:
    await phone.goto(url(client, "/?platform=weibo&sentiment=negative"))
    await expect(phone.locator("#filters-toggle")).to_have_text("筛选（2）")
    await expect(phone.locator("#filter-form select[name=platform]")).to_be_hidden()
    await phone.locator("#filters-toggle").tap()
    await expect(phone.locator("#filters-toggle")).to_have_attribute("aria-expanded", "true")
    await phone.locator("#filter-form select[name=sentiment]").select_option("")
    await expect(phone.locator("#filters-toggle")).to_have_text("筛选（1）")


async def test_no_keyboard_hint_shows_on_a_touch_screen(phone: Page) -> None:
    first = await phone.evaluate(ON_SCREEN)
    await phone.locator(f'#list [data-id="{first}"]').tap()
    await on_detail(phone, first)
    assert await phone.locator("#approve").inner_text() == "批准发送"
    assert await phone.locator("#dismiss-open").inner_text() == "忽略"
    await expect(phone.locator("#help-open")).to_be_hidden()
    assert await phone.locator(".draft kbd").count() == 3
    for kbd in await phone.locator("kbd").all():
        await expect(kbd).to_be_hidden()
    shown = await phone.evaluate("document.body.innerText")
    assert [h for h in HINTS if h in shown] == []
    await phone.locator("#back").tap()
    shown = await phone.evaluate("document.body.innerText")
    assert [h for h in HINTS if h in shown] == []


async def test_a_desk_keeps_its_hints_and_two_panes(
    browser: Browser, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1"), mention("2", text="X7 发热很厉害"))
    context = await browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    try:
        desk = await context.new_page()
        await sign_in(desk, client, "amy")
        await desk.goto(url(client))
        await expect(desk.locator("#list .row")).to_have_count(2)
        await desk.locator("#list .row").nth(1).click()
        await expect(desk.locator("#detail-title")).to_contain_text("小王")
        assert await desk.locator("#approve").inner_text() == "批准发送 (a)"
        assert await desk.locator("#dismiss-open").inner_text() == "忽略 (d)"
        await expect(desk.locator("#help-open")).to_be_visible()
        for kbd in await desk.locator(".draft kbd").all():
            await expect(kbd).to_be_visible()
        shown = await desk.evaluate("document.body.innerText")
        assert [h for h in HINTS if h not in shown] == ["用 j / k"]  # replaced by the detail
        listed = await desk.locator(".list-pane").bounding_box()
        detail = await desk.locator("#detail").bounding_box()
        assert listed and detail and listed["x"] + listed["width"] <= detail["x"]
        assert abs(listed["y"] - detail["y"]) < 1 and detail["width"] > 700
        await expect(desk.locator("#list")).to_be_visible()  # a click opened no screen
        await expect(desk.locator("#back")).to_be_hidden()
        await expect(desk.locator("#filter-form select[name=platform]")).to_be_visible()
        await expect(desk.locator("#filters-toggle")).to_be_hidden()
        assert "m=" not in desk.url and not await desk.evaluate("document.body.className")
    finally:
        await context.close()
