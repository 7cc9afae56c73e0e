"""phone.js as a module: at desk width it does nothing (open is a no-op, toList says
false); on a phone open() shows the detail as its own screen with the mention in the URL
and a history entry, and toList() returns to the list."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client, open_page, signed_in
from tests.workspace import feed, mid

STATE = """() => import("/static/phone.js").then((p) => ({ phone: p.phone(), open: p.isOpen(),
  body: document.body.classList.contains("detail-open"),
  inert: document.getElementById("detail").inert, search: location.search,
  entries: history.length }))"""
OPEN_THEN_BACK = """(id) => import("/static/phone.js").then((p) => {
  p.open(id, false);
  return p.toList();
})"""


async def test_desk_and_phone(
    page: Page, browser: Browser, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1", text="X7 又卡了"))
    await open_page(page, client)
    before = await page.evaluate(STATE)
    assert (before["phone"], before["open"], before["body"], before["inert"]) == (False,) * 4
    assert await page.evaluate(OPEN_THEN_BACK, mid("1")) is False
    assert await page.evaluate(STATE) == before  # nothing changed at desk width

    async with signed_in(
        browser, client, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    ) as phone:
        await open_page(phone, client)
        shut = await phone.evaluate(STATE)
        assert (shut["phone"], shut["open"], shut["body"]) == (True, False, False)
        assert shut["inert"] is True  # the closed detail is out of reach
        await phone.evaluate(
            "(id) => import('/static/phone.js').then((p) => p.open(id, false))", mid("1")
        )
        shown = await phone.evaluate(STATE)
        assert (shown["open"], shown["body"], shown["inert"]) == (True, True, False)
        assert shown["search"] == f"?m={mid('1')}" and shown["entries"] == shut["entries"] + 1
        await expect(phone.locator("#back")).to_be_visible()
        assert await phone.evaluate("import('/static/phone.js').then((p) => p.toList())") is True
        await expect(phone.locator("#back")).to_be_hidden()
        await phone.wait_for_function("location.search === ''")  # history.back() took it off
        back = await phone.evaluate(STATE)
        assert (back["open"], back["body"], back["inert"]) == (False, False, True)
