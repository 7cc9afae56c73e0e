"""The helper modules as the page imports them (alerts, resend, incidents, unread, undo,
team, snippets, history): what each exports, and their plain functions on made-up input.
Their behaviour in the page has its own tests (test_resend.py, test_incidents.py ...)."""

from __future__ import annotations

from playwright.async_api import Page

from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client, open_page
from tests.workspace import feed

EXPORTS = {
    "alerts": ["ackLine", "fromQuery"],
    "resend": ["LABEL", "badge", "confirm", "eventNote", "note"],
    "incidents": ["approval", "badge", "block", "note", "pinned", "reloadSoon"],
    "unread": ["arrived", "count", "first", "isNew", "seen"],
    "undo": ["has", "newest", "settled", "start"],
    "phone": ["isOpen", "open", "phone", "toList"],
    "team": ["block", "start", "toMe"],
    "snippets": ["start"],
    "history": ["block"],
}
ID = "0123456789abcdef"
RUN = """async ([id]) => {
  const m = {};
  for (const name of ["alerts", "resend", "incidents", "unread", "undo", "team", "dom"]) {
    m[name] = await import(`/static/${name}.js`);
  }
  const { el, when } = m.dom, form = document.getElementById("filter-form").cloneNode(true);
  const asked = m.alerts.fromQuery(form, `?view=mine&platform=weibo&sort=bogus&q=发货&m=${id}`);
  const crisis = (id, incident) => ({ id, crisis: { flag: true }, incident });
  const pinned = m.incidents.pinned([crisis("a", { severity: 1 }), crisis("b", { severity: 5 }),
    crisis("c"), { id: "d", crisis: { flag: false } }], 1);
  const at = "2026-11-20T01:05:09Z", f = form.elements;
  m.unread.arrived("u1"); m.unread.arrived("u2"); m.unread.seen("u1");
  return {
    asked: [asked.view, asked.mention, f.platform.value, f.sort.value, f.q.value],
    refused: m.alerts.fromQuery(form, "?view=everything&m=x"),
    acked: m.alerts.ackLine({ acked_at: at, acked_by: "lee" }, { el, when }).textContent,
    ack: m.alerts.ackLine({ warned_at: at }, { el, when }).querySelector("button").id,
    quiet: m.alerts.ackLine({}, { el, when }),
    notes: [m.resend.eventNote({ type: "approved", resend: true }),
      m.resend.eventNote({ type: "sent" })],
    badge: [m.resend.badge({ send_unknown: true, send_error: "超时" }, { el }).title,
      m.resend.badge({}, { el })],
    pinned: [...pinned].sort(),
    approval: m.incidents.approval({ approval: { allowed: false, reason: "需要组长批准" } }),
    unread: [m.unread.count(), m.unread.isNew("u2"), m.unread.first([{ id: "u1" }, { id: "u2" }])],
    undo: [m.undo.has(id), m.undo.newest()],
    toMe: [m.team.toMe({ type: "handed_off", item: { claimed_by: "amy" }, actor: "bo" }),
      m.team.toMe({ type: "handed_off", item: { claimed_by: "amy" }, actor: "amy" })],
  };
}"""


async def test_exports_and_plain_functions(page: Page, client: Client, clock: FakeClock) -> None:
    await feed(client, clock, mention("1", text="X7 又卡了"))
    await open_page(page, client)
    for name, names in EXPORTS.items():
        got = await page.evaluate(f"import('/static/{name}.js').then((m) => Object.keys(m).sort())")
        assert got == names, name
    got = await page.evaluate(RUN, [ID])
    assert got["asked"] == ["mine", ID, "weibo", "deadline", "发货"]  # no sort "bogus" offered
    assert got["refused"] == {"view": None, "mention": None}
    assert got["acked"] == "已确认 · lee · 11/20 09:05:09"
    assert (got["ack"], got["quiet"]) == ("ack", None)
    assert got["notes"] == ["（确认重发）", ""]
    assert got["badge"] == ["超时", None]
    assert got["pinned"] == ["b", "c"]  # the most severe incident, and a crisis outside any
    assert got["approval"] == {"allowed": False, "reason": "需要组长批准"}
    assert got["unread"] == [1, True, "u2"]
    assert got["undo"] == [False, None]
    assert got["toMe"] == [True, False]
