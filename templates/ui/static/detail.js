// 贴心 workspace, the detail pane: opening a mention (a row's click, the first row after a
// load), drawing it, its timer, correcting the judgement, acknowledging an alert, and what
// opens after one is done. The reply part is drawn by reply.js and acted on by editor.js.
import { $, el, icon, section, reach, when, toast } from "./dom.js";
import { S, L, ME, OPEN, api, label, accountOf, actorOf, where, sentimentOf } from "./state.js";
import { list, countdown, claimText, understood, selectedRow, patchItem, remove } from "./list.js";
import { counter, replyParts } from "./reply.js";
import * as A from "./alerts.js";
import * as R from "./resend.js";
import * as I from "./incidents.js";
import * as U from "./unread.js";
import * as P from "./phone.js";
import * as T from "./team.js";
import * as H from "./history.js";

const pane = $("detail");

export async function select(id, focusRow) {
  // Until the new one is read, the pane still shows the last: busy, so keys wait for it.
  if (S.sel !== id) { leave(); S.sel = id; S.detail = null; S.claimed = null; clearInterval(S.claimTimer); pane.setAttribute("aria-busy", "true"); }
  if (U.isNew(id)) { U.seen(id); patchItem(id, {}); }
  for (const node of list.querySelectorAll(".row")) {
    const on = node.dataset.id === id; node.classList.toggle("selected", on);
    if (on) node.setAttribute("aria-current", "true"); else node.removeAttribute("aria-current");
  }
  const r = selectedRow(); if (r && (focusRow || !P.phone())) { r.scrollIntoView({ block: "nearest" }); if (focusRow) r.focus(); } // a phone's list stays where the agent left it
  await refreshDetail(true);
  if (focusRow && S.detail && S.detail.id === id) P.open(id, false); // a phone shows it full screen
}
// Leaving a mention this page claimed lets the claim go, unless the agent wrote words of
// their own (a draft as it was, or nothing, is untouched); those keep it until it runs out.
function leave() {
  const id = S.claimed, area = $("reply"); if (!id || id !== S.sel || !area) return;
  const text = area.value.trim(), drafts = ((S.detail && S.detail.drafts) || []).map((d) => d.text.trim());
  if (text && !drafts.includes(text)) return;
  api("POST", `/api/mentions/${id}/release`, {}).then((r) => { if (r.status === 200) patchItem(id, { claimed_by: null, claim_until: null }); });
}
export async function refreshDetail(fresh) {
  const id = S.sel; if (!id) return;
  const r = await api("GET", `/api/mentions/${id}`);
  if (S.sel !== id) return;
  if (r.status !== 200) { pane.removeAttribute("aria-busy"); toast(r.status === 404 ? "找不到这条提及：可能已处理完并过期" : r.data.error || "加载详情失败"); return; }
  if (fresh) { S.chosen = 0; S.findings = null; S.mustReread = false; S.note = ""; }
  const holder = claimText(r.data); // a colleague's claim shows before anyone types
  if (fresh && holder && r.data.claimed_by !== ME) S.note = r.data.claimed_by + " 正在处理这条，先别重复回复";
  // Follow-ups that arrived while the mention was open are marked 新 until it is reopened.
  S.before = fresh || !S.detail ? null : new Set((S.detail.thread || []).map((t) => t.id));
  S.detail = r.data; renderDetail();
  if (S.restore && S.restore.id === id) { if (S.restore.text && $("reply")) { $("reply").value = S.restore.text; counter(); } S.restore = null; }
  if (fresh) { pane.scrollTop = 0; if (pane.getBoundingClientRect().top < 0) pane.scrollIntoView({ block: "start" }); } // author, platform and timer first
}
export function renderDetail() {
  const d = S.detail, ta = $("reply"), keep = ta ? { text: ta.value, focus: document.activeElement === ta, a: ta.selectionStart, b: ta.selectionEnd, id: ta.dataset.id } : null;
  const c = countdown(d), sent = sentimentOf(d), drafts = d.drafts || [];
  const isNew = (t) => S.before && !S.before.has(t.id);
  const kids = [
    el("h2", { id: "detail-title" }, where(d), " · ", d.author.name, d.author.verified ? el("span", { class: "verified", "aria-label": "认证用户" }, " ✔V") : null, el("span", { class: "reach" }, " 粉丝 " + reach(d.author.followers))),
    el("p", { class: "countdown " + c.cls, id: "detail-countdown" }, icon(c.cls), el("span", { class: "left" }, c.text), d.state === "no_reply" ? " · 不计时" : [" · 截止 ", when(d.deadline)]),
    A.ackLine(d, { el, when, onAck: ack }),
    el("p", { id: "claim-note", class: "note claim", role: "status", hidden: !S.note }, S.note),
    R.note(d, { el }),
    I.block(d, { el, section, reach, label, open: (id) => select(id, false) }),
    section("原帖", el("blockquote", { class: "post" }, d.text), el("p", { class: "meta" }, "发布于 ", when(d.created_at), " · 账号 ", accountOf(d)),
      d.url && d.url.startsWith("https://") ? el("a", { href: d.url, target: "_blank", rel: "noopener noreferrer" }, "打开原帖") : null),
    (d.thread || []).length ? section("后续消息", el("ol", { class: "thread" }, d.thread.map((t) => el("li", { class: isNew(t) ? "new" : null }, isNew(t) ? el("strong", { class: "badge state" }, "新") : null, el("span", { class: "meta" }, when(t.created_at)), " ", t.text)))) : null,
    el("div", { id: "stale", class: "note stale", role: "alert", hidden: !S.mustReread }, "对方又发了新消息，请先读完上面的后续消息。 ", el("button", { type: "button", id: "reread" }, "我已阅读")),
    section("判断", el("p", { class: "badges" }, d.crisis.flag ? el("span", { class: "badge crisis" }, icon("warn"), "危机：" + d.crisis.words.join("、")) : null,
      el("label", null, "情绪 ", el("select", { id: "fix-sentiment", onchange: (e) => correct("sentiment", e.target.value) }, Object.entries(L.sentiments).map(([k, v]) => el("option", { value: k, selected: k === sent }, v)))),
      " ", el("label", null, "意图 ", el("select", { id: "fix-intent", onchange: (e) => correct("intent", e.target.value) }, intentOptions(d.intent))),
      d.sentiment.cues.length ? el("span", { class: "meta" }, " 线索：" + d.sentiment.cues.join(" · ")) : null),
      el("p", { class: "badges", id: "understood" }, d.uncertain ? el("span", { class: "badge intent uncertain" }, "意图不确定（可能是" + label("intents", d.intent) + "）") : null, ...understood(d))),
    H.block(d, { el, section, when, label, where, accountOf, api, toast, open: (id) => select(id, false), platforms: () => L.platforms }),
    ...replyParts(d),
    T.block(d, { el, section, when, actorOf, api, toast, open: OPEN.includes(d.state), refresh: () => refreshDetail(false), handedOff: (id, data) => { patchItem(id, { claimed_by: data.to, claim_until: data.until }); advance(id, true); } }),
    section("记录", el("ol", { class: "events" }, (d.events || []).map((ev) => el("li", null, el("time", null, when(ev.at)), " ", label("events", ev.type) || ev.type, R.eventNote(ev), ev.actor ? " · " + actorOf(ev.actor) : "", ev.reason ? "：" + label("reasons", ev.reason) : "", ev.note ? "：" + ev.note : "")))),
  ];
  pane.replaceChildren(...kids.filter(Boolean));
  pane.removeAttribute("aria-busy");
  const area = $("reply");
  if (area) {
    if (keep && keep.id === d.id) { area.value = keep.text; if (keep.focus) { area.focus(); area.setSelectionRange(keep.a, keep.b); } }
    else area.value = drafts.length ? drafts[S.chosen].text : "";
    counter();
  }
}
function intentOptions(current) {
  const names = Object.assign({}, L.intents); if (current && !names[current]) names[current] = current;
  return Object.entries(names).map(([k, v]) => el("option", { value: k, selected: k === current }, v));
}
async function correct(what, value) {
  const d = S.detail, path = `/api/mentions/${d.id}/${what}`;
  const r = await api("POST", path, what === "sentiment" ? { label: value } : { intent: value });
  if (r.status !== 200) { // put the select back to what the server still says
    renderDetail();
    return toast(r.status === 404 && what === "intent" ? "暂时不能更正意图（服务端尚未支持）" : r.data.error || "更正失败");
  }
  const change = what === "sentiment" ? { sentiment: Object.assign({}, d.sentiment, { corrected: value }) } : { intent: value };
  Object.assign(d, change); patchItem(d.id, change); toast("已更正");
}
async function ack() {
  const d = S.detail, r = await api("POST", `/api/mentions/${d.id}/ack`, {});
  if (r.status !== 200) return toast(r.data.error || "确认失败");
  toast(r.data.first ? "已确认，不会再升级" : "已由 " + r.data.by + " 确认");
  if (S.detail === d) await refreshDetail(false);
}
// Done with `id` (approved, dismissed, handed off): open the next row, or on a phone go
// back to the list. keep: its row stays listed (held, handed off) and is skipped.
export function advance(id, keep) {
  const i = S.items.findIndex((m) => m.id === id); if (!keep) remove(id);
  const rest = S.items.filter((m) => m.id !== id && !m.held_by);
  const next = keep ? rest.find((m) => S.items.indexOf(m) > i) || rest[rest.length - 1] : S.items[Math.min(i, S.items.length - 1)];
  S.sel = null; S.detail = null; S.claimed = null; clearInterval(S.claimTimer);
  const phone = P.toList(); // a phone goes back to the list, not on to the next mention
  if (next && !phone) select(next.id, true); else { pane.replaceChildren(el("h2", { id: "detail-title" }, "详情"), el("p", { class: "hint" }, next ? "从列表里选一条提及。" : "全部处理完了。")); pane.removeAttribute("aria-busy"); }
}
// The open mention's timer runs with the list's.
export function tickDetail() {
  const shown = $("detail-countdown");
  if (shown && S.detail && S.detail.state !== "no_reply") {
    const c = countdown(S.detail);
    if (!shown.classList.contains(c.cls)) { shown.className = "countdown " + c.cls; shown.firstChild.replaceWith(icon(c.cls)); }
    shown.querySelector(".left").textContent = c.text;
  }
}

list.addEventListener("click", (e) => { const r = e.target.closest(".row"); if (r) select(r.dataset.id, true); });
list.addEventListener("loaded", (e) => {
  const open = S.items.find((m) => m.id === S.sel);
  if (open && S.detail && S.detail.id === open.id && open.followups !== S.detail.followups) { S.mustReread = true; refreshDetail(false); toast("对方又发了新消息"); }
  if (S.items.length && (!S.sel || (e.detail.reselect && !open))) select(S.items[0].id, false);
});
