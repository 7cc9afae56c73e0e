"""live.js in the real page: the stream's status, and what onEvent makes of an event (a
new mention is marked 新 and counted in the cue and the tab title; a colleague closing
the open mention says so in the detail; a mention gone from the queue leaves the list and
the count),
and 开启提醒 switching the alerts on."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.fakes import FakeClock
from tests.ui.conftest import Client, open_live
from tests.workspace import mid

pytestmark = pytest.mark.usefixtures("live")

# An event about `id`: the open mention's item with `changes` (none: gone from the queue).
EVENT = """async ([type, id, changes, actor]) => {
  const l = await import("/static/live.js"), s = await import("/static/state.js");
  const open = structuredClone(s.S.items.find((m) => m.id === s.S.sel));
  l.onEvent({ type, id, actor, item: changes === null ? null : { ...open, id, ...changes } });
}"""


async def test_status_events_and_the_alert_switch(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await open_live(page, client, clock)
    await expect(page.locator("#live")).to_have_class("live on")
    new = "0123456789abcdef"
    await page.evaluate(EVENT, ["queued", new, {"text": "新来的"}, "pipeline"])
    row = page.locator(f'#list [data-id="{new}"]')
    await expect(row.locator(".badge.new")).to_have_text("新")
    await expect(page.locator("#new-cue")).to_have_text("1 条新提及")
    assert (await page.title()).startswith("(1) ")
    await page.evaluate(EVENT, ["dismissed", mid("1"), {"state": "dismissed"}, "bo"])
    await expect(page.locator("#claim-note")).to_have_text("bo 已处理这条：已忽略")
    await expect(page.locator("#approve")).to_have_count(0)  # the editor is gone with it
    await page.evaluate(EVENT, ["expired", new, None, "sla"])
    await expect(row).to_have_count(0)
    await expect(page.locator("#new-cue")).to_be_hidden()
    assert not (await page.title()).startswith("(")
    notify = page.locator("#notify")
    await page.context.grant_permissions(["notifications"])
    await notify.click()
    await expect(notify).to_have_attribute("aria-pressed", "true")
    await expect(notify).to_have_text("提醒已开启")
