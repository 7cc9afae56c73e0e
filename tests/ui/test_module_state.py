"""state.js in the real page: who is signed in, the labels from GET /api/meta, the
server's clock, and api() carrying the CSRF token (a request without it is refused)."""

from __future__ import annotations

from playwright.async_api import Page

from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client, open_page
from tests.workspace import feed, mid


async def test_labels_clock_and_api_with_the_token(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1", text="X7 又卡了，烦死了"))
    await open_page(page, client)  # /api/meta and the queue are in
    got = await page.evaluate(
        """(id) => import("/static/state.js").then(async (s) => ({
          me: s.ME, open: s.OPEN, warn: s.WARN_BEFORE,
          labels: [s.label("platforms", "weibo"), s.label("states", "nonsense"),
            s.label("kinds", "")],
          actors: [s.actorOf("sla"), s.actorOf("host-1a2b3c4d"), s.actorOf("")],
          where: s.where({ platform: "weibo", kind: "comment" }),
          skew: s.nowMs() - Date.now(), items: s.S.items.map((m) => m.id),
          claim: (await s.api("POST", `/api/mentions/${id}/claim`, {})).status,
          bare: (await fetch(`/api/mentions/${id}/claim`, { method: "POST" })).status,
          missing: await s.api("GET", "/api/mentions/0000000000000000"),
        }))""",
        mid("1"),
    )
    assert (got["me"], got["open"], got["warn"]) == ("amy", ["queued", "failed"], 300_000)
    assert got["labels"] == ["微博", "nonsense", ""]
    assert got["actors"] == ["超时计时", "系统（host-1a2b3c4d）", ""]
    assert got["where"] == "微博评论"
    # The page runs on the server's (fake) clock, not the browser's.
    behind = clock.now().timestamp() * 1000 - await page.evaluate("Date.now()")
    assert abs(got["skew"] - behind) < 5_000
    assert got["items"] == [mid("1")]
    assert (got["claim"], got["bare"]) == (200, 403)
    assert got["missing"]["status"] == 404 and got["missing"]["data"]["error"]
