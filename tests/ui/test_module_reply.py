"""reply.js in the real page: the counter counts as Weibo does and says when the reply is
too long, and what is drawn below the judgement for each kind of mention: the editor
(open), who approved it (held), 需要回复 (无需回复), and copy / 标记已发送 (by hand)."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client, open_page
from tests.workspace import feed

PARTS = """async (changes) => {
  const r = await import("/static/reply.js"), s = await import("/static/state.js");
  const d = Object.assign(structuredClone(s.S.detail), changes);
  const box = document.createElement("div"); box.append(...r.replyParts(d));
  return { ids: [...box.querySelectorAll("[id]")].map((n) => n.id), text: box.textContent,
    links: [...box.querySelectorAll("a")].map((a) => a.href) };
}"""
RULE = "（共 140，微博按字计（英文数字算半个））"


async def test_the_counter_and_the_parts_for_each_state(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1", text="X7 又卡了，烦死了"))
    await open_page(page, client)
    await page.locator("#reply").fill("好" * 139 + "ab")  # 139 + 1 (two ASCII count as one)
    await expect(page.locator("#counter")).to_have_text("还可输入 0 字" + RULE)
    await page.locator("#reply").fill("好" * 141)
    await expect(page.locator("#counter")).to_have_text("超出 1 字" + RULE)
    await expect(page.locator("#counter")).to_have_class("counter over")

    opened = await page.evaluate(PARTS, {})
    assert {"reply", "counter", "findings", "approve", "dismiss-open"} <= set(opened["ids"])
    held = await page.evaluate(PARTS, {"held_by": "bo", "held_until": "2026-11-20T01:05:09Z"})
    assert "held-note" in held["ids"] and "bo 已批准这条回复，11/20 09:05:09 发出" in held["text"]
    closed = await page.evaluate(PARTS, {"window_closed": True})
    assert "已超出平台的回复窗口" in closed["text"]
    aside = await page.evaluate(PARTS, {"state": "no_reply", "reply_reason": "chatter"})
    assert aside["ids"] == ["noreply-note", "needs-reply"] and "无需回复：" in aside["text"]
    by_hand = {
        "state": "manual",
        "reply_text": "谢谢支持",
        "send_url": "https://tieba.baidu.com/p/1",
    }
    manual = await page.evaluate(PARTS, by_hand)
    assert manual["ids"] == ["approved-text", "copy", "mark-sent"]
    assert manual["links"] == ["https://tieba.baidu.com/p/1"]
    unsafe = await page.evaluate(PARTS, {**by_hand, "send_url": "javascript:alert(1)"})
    assert unsafe["links"] == []
