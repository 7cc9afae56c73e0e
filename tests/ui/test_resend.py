"""A reply whose send was interrupted, in chromium: marked 可能已发出 on its row and in its
detail, and sent again only through the confirm step (which the server requires)."""

from __future__ import annotations

from playwright.async_api import Page, expect

from responder.outbox.sender import Sender
from responder.outbox.store import OutboxStore
from responder.services import STORE
from tests.fakes import FakeClock, ScriptedConnector, mention
from tests.ui.conftest import Client, open_page
from tests.workspace import app_of, feed, mid

ASK = "上次发送中途中断，可能已经发出。请先到平台上查看；仍要再发一次吗？"


async def _interrupted(client: Client, clock: FakeClock, pid: str) -> OutboxStore:
    """Approve mention `pid`; process p1 starts sending it and dies mid-call; restarted,
    it cannot ask the platform (no read-back), so a person decides."""
    approved = await client.post(f"/api/mentions/{mid(pid)}/approve", json={"draft": 0})
    assert approved.status == 200
    outbox = OutboxStore(app_of(client)[STORE])
    await outbox.ensure_group()
    (send,) = [s for s in await outbox.read("p1", 10, None, own=False) if s.mention == mid(pid)]
    assert await outbox.begin(send, "p1", clock.now(), 60) == ("go", "")
    await Sender(outbox, {"demo": ScriptedConnector("demo")}.get, clock, consumer="p1").step()
    item = await (await client.get(f"/api/mentions/{mid(pid)}")).json()
    assert item["state"] == "failed" and item["send_unknown"] is True
    return outbox


async def test_a_maybe_sent_reply_is_marked_and_resent_only_after_confirming(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1", text="X7 又卡了，烦死了"))
    outbox = await _interrupted(client, clock, "1")
    await open_page(page, client)
    row = page.locator(f'#list [data-id="{mid("1")}"]')
    await expect(row.locator(".badge.st-maybe-sent")).to_have_text("可能已发出")
    await expect(page.locator("#maybe-sent")).to_contain_text("可能已发出")
    await expect(page.locator("#maybe-sent")).to_contain_text("发送中途中断")

    dialog = page.locator("#resend")
    await page.locator("#approve").click()
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text(ASK)
    await expect(page.locator("#resend-cancel")).to_be_focused()  # Enter alone sends nothing
    await page.keyboard.press("Enter")
    await expect(dialog).to_be_hidden()
    item = await (await client.get(f"/api/mentions/{mid('1')}")).json()
    assert item["state"] == "failed"  # cancelled: nothing approved
    # The dialog's close event ends that approval; an "a" before it would be one at a time.
    await expect(page.locator("body")).not_to_have_attribute("data-approving", "1")

    await page.keyboard.press("a")
    await expect(dialog).to_be_visible()
    await page.locator("#resend-ok").click()
    await expect(page.locator("#toast")).to_contain_text("已确认重发")
    item = await (await client.get(f"/api/mentions/{mid('1')}")).json()
    assert item["state"] == "approved"
    approvals = [e for e in item["events"] if e["type"] == "approved"]
    assert [a.get("resend") for a in approvals] == [None, True]
    platform = ScriptedConnector("demo")
    sender = Sender(outbox, {"demo": platform}.get, clock, consumer="p1")
    for _ in range(2):
        await sender.step()
    assert len(platform.posted) == 1
    item = await (await client.get(f"/api/mentions/{mid('1')}")).json()
    assert item["state"] == "sent" and item["send_unknown"] is False


async def test_the_confirm_step_also_follows_the_servers_refusal(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1", text="X7 又卡了，烦死了"))
    await open_page(page, client)  # the page has the mention before its send is interrupted
    claim = await client.post(f"/api/mentions/{mid('1')}/claim", json={})
    assert claim.status == 200  # amy's own claim, as the page holds it
    await _interrupted(client, clock, "1")
    await page.locator("#approve").click()  # the page's copy is still "queued"
    await expect(page.locator("#resend")).to_be_visible()
    await expect(page.locator(".badge.st-maybe-sent").first).to_have_text("可能已发出")
    await page.locator("#resend-ok").click()
    await expect(page.locator("#toast")).to_contain_text("已确认重发")
    item = await (await client.get(f"/api/mentions/{mid('1')}")).json()
    assert item["state"] == "approved"
    assert [e.get("resend") for e in item["events"] if e["type"] == "approved"] == [None, True]


async def test_a_close_left_over_from_the_last_time_does_not_answer_the_next_question(
    page: Page, client: Client, clock: FakeClock
) -> None:
    """The dialog closes and opens again before its close event is delivered (a fast
    Enter then "a"): the agent's answer to the second question must still be heard."""
    await feed(client, clock, mention("1", text="X7 又卡了，烦死了"))
    await open_page(page, client)
    await page.evaluate(
        """async () => {
          const R = await import("/static/resend.js");
          const d = document.getElementById("resend");
          d.showModal(); d.close("cancel");  // its close event is only queued here
          window.answer = "pending";
          R.confirm(d).then((ok) => { window.answer = ok; });
        }"""
    )
    await expect(page.locator("#resend")).to_be_visible()
    assert await page.evaluate("window.answer") == "pending"
    await page.locator("#resend-ok").click()
    await expect(page.locator("#resend")).to_be_hidden()
    # The close event (and with it the answer) comes a task after the dialog hides.
    await page.wait_for_function("window.answer !== 'pending'")
    assert await page.evaluate("window.answer") is True
