// 贴心 workspace, the queue: its rows, their order and countdowns, the views and filters,
// and paging. A row opens in detail.js, which listens on #list for clicks and for
// "loaded" (sent after every load). Imports dom, state and the row's helpers.
import { $, el, icon, reach, duration, toast } from "./dom.js";
import { S, ME, OPEN, WARN_BEFORE, api, nowMs, label, accountOf, where, sentimentOf, alertAgent } from "./state.js";
import * as U from "./unread.js";
import * as I from "./incidents.js";
import * as R from "./resend.js";

const PAGE = 200;
export const list = $("list");

export function countdown(m) {
  if (!OPEN.includes(m.state)) return { cls: "done", text: label("states", m.state) };
  const left = Date.parse(m.deadline) - nowMs();
  if (left < 0) return { cls: "late", text: "已超时 " + duration(left) };
  if (left <= WARN_BEFORE) return { cls: "warn", text: "剩 " + duration(left) };
  return { cls: "calm", text: "剩 " + duration(left) };
}
export function claimText(m) {
  if (!m.claimed_by || !m.claim_until || Date.parse(m.claim_until) <= nowMs()) return null;
  return m.claimed_by === ME ? "我在处理" : m.claimed_by + " 正在处理";
}
export function stateText(m) {
  if (m.state === "failed") return "发送失败：" + (m.send_error || "原因未知");
  if (m.state === "queued" || m.state === "no_reply") return null; // no_reply: its own badge
  return label("states", m.state);
}
function row(m) {
  const c = countdown(m), claim = claimText(m), st = stateText(m), sent = sentimentOf(m);
  const li = el("li", { class: "row" + (m.crisis.flag ? " crisis" : "") + (m.id === S.sel ? " selected" : ""), "data-id": m.id, "aria-current": m.id === S.sel ? "true" : null, tabindex: "-1" },
    el("span", { class: "countdown " + c.cls, "data-deadline": m.deadline }, icon(c.cls), el("span", { class: "left" }, c.text)),
    el("span", { class: "where" }, where(m), el("span", { class: "account" }, " · " + accountOf(m))),
    el("span", { class: "author" }, m.author.name, m.author.verified ? el("span", { class: "verified", title: "认证用户", "aria-label": "认证用户" }, "✔V") : null, el("span", { class: "reach" }, " 粉丝 " + reach(m.author.followers))),
    el("p", { class: "text" }, m.text),
    el("span", { class: "badges" },
      U.isNew(m.id) ? el("span", { class: "badge new" }, "新") : null,
      m.crisis.flag ? el("span", { class: "badge crisis" }, icon("warn"), "危机") : null,
      m.intent && !(m.crisis.flag && m.intent === "crisis") ? el("span", { class: "badge intent" + (m.uncertain ? " uncertain" : "") }, m.uncertain ? "意图不确定（可能是" + label("intents", m.intent) + "）" : label("intents", m.intent)) : null,
      ...understood(m),
      el("span", { class: "badge s-" + sent }, label("sentiments", sent) + (m.sentiment.corrected ? "（已更正）" : "")),
      m.followups ? el("span", { class: "badge" }, "追问 " + m.followups) : null,
      I.badge(m, { el, reach }),
      claim && !m.held_by ? el("span", { class: "badge claim" }, icon("lock"), claim) : null,
      m.held_by ? el("span", { class: "badge held" }, "待发出（" + (m.held_by === ME ? "我" : m.held_by) + "批准）") : null,
      m.send_unknown ? R.badge(m, { el }) : st ? el("span", { class: "badge state st-" + m.state }, st) : null));
  return li;
}
// Who is speaking, what they judge, and why no answer is needed (无需回复).
export function understood(m) {
  const out = [];
  if (m.role) out.push(el("span", { class: "badge role r-" + m.role }, label("roles", m.role)));
  for (const a of m.aspects || []) out.push(el("span", { class: "chip p-" + a.polarity, title: "评价：" + label("aspects", a.aspect) }, label("aspects", a.aspect) + " " + label("polarities", a.polarity)));
  if (m.state === "no_reply") out.push(el("span", { class: "badge noreply" }, "无需回复：" + (label("reasons", m.reply_reason) || "其他")));
  return out;
}
function renderList() {
  const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest("#list");
  list.replaceChildren(...S.items.map(row));
  $("count").textContent = `${S.items.length} / ${S.total}`;
  $("more").hidden = S.items.length >= S.total;
  $("empty").hidden = S.items.length > 0;
  if (focused) { const r = selectedRow(); if (r) r.focus(); }
}
export const selectedRow = () => list.querySelector(`[data-id="${S.sel}"]`);
function sortItems() {
  if (noReplyView()) return S.items.sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at)); // newest first, as served
  const by = $("filter-form").elements.sort.value;
  const key = (m) => by === "priority" && m.priority ? -m.priority.score : Date.parse(m.deadline);
  const pin = I.pinned(S.items, S.pinMost), sev = (m) => (m.incident && m.incident.severity) || 0;
  S.items.sort((a, b) => (pin.has(b.id) - pin.has(a.id)) || (pin.has(a.id) ? sev(b) - sev(a) : 0) || (key(a) - key(b)));
}
export const noReplyView = () => S.view === "no_reply";
function query(offset) {
  const form = $("filter-form"), p = new URLSearchParams({ limit: PAGE, offset, sort: form.elements.sort.value });
  if (S.view !== "all") p.set("view", S.view);
  if (noReplyView()) return p;
  for (const n of ["platform", "account", "kind", "intent", "sentiment", "state", "q"]) {
    const v = form.elements[n].value.trim(); if (v && !(n === "state" && v === "manual")) p.set(n, v);
  }
  return p;
}
const manualView = () => $("filter-form").elements.state.value === "manual";
// Whether a mention arriving live belongs in the chosen view and filters (a loaded page
// is the server's answer, shown as it is).
export function matches(m) {
  const f = $("filter-form").elements, claim = m.claimed_by && Date.parse(m.claim_until || 0) > nowMs();
  const state = f.state.value || "open";
  if (state === "manual" ? m.state !== "manual" : state === "open" ? !OPEN.includes(m.state) : m.state !== state) return false;
  if (S.view === "mine" && m.claimed_by !== ME) return false;
  if (S.view === "unassigned" && claim) return false;
  for (const [n, v] of [["platform", m.platform], ["account", m.account], ["kind", m.kind], ["intent", m.intent], ["sentiment", sentimentOf(m)]]) if (f[n].value && f[n].value !== v) return false;
  const q = fold(f.q.value.trim());
  return !q || fold(m.text).includes(q) || fold(m.author.name).includes(q);
}
// As the server folds a keyword: ASCII to lower case, every other letter as it is.
const fold = (text) => text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
// Load the first page (or, with `more`, the next); "loaded" then tells detail.js, which
// opens the first row when none is open (or, with `reselect`, when the open one is gone).
export async function loadList(more, reselect) {
  const offset = more ? S.items.length : 0;
  const r = await api("GET", (manualView() ? "/api/manual?" : "/api/queue?") + query(offset));
  if (r.status !== 200) return toast(r.data.error || "队列加载失败");
  S.skew = Date.parse(r.data.now) - Date.now();
  // The server filters and counts: its page is shown as it is (filtering it again here hid
  // what only the server can see, such as a keyword found in a follow-up: "19 / 20").
  const page = r.data.items;
  S.items = more ? S.items.concat(page) : page;
  S.total = r.data.total;
  // A crisis that appeared since the last load (the polling fallback has no events).
  for (const m of page) if (m.crisis.flag && S.known && !S.known.has(m.id)) alertAgent("🚨 危机提及：" + m.author.name, m.text);
  S.known = new Set([...(S.known || []), ...page.map((m) => m.id)]);
  if (!manualView() && !noReplyView()) sortItems();
  const why = $("noreply-why"); why.hidden = !noReplyView();
  if (noReplyView()) why.textContent = "无需回复的提及不计时、不通知。累计：" + (Object.entries(r.data.reasons || {}).map(([k, n]) => label("reasons", k) + " " + n).join("，") || "暂无");
  renderList();
  list.dispatchEvent(new CustomEvent("loaded", { detail: { reselect: Boolean(reselect) } }));
}
export function upsert(item) {
  const i = S.items.findIndex((m) => m.id === item.id);
  const keep = manualView() ? item.state === "manual" : noReplyView() ? item.state === "no_reply" || item.id === S.sel : OPEN.includes(item.state) || item.id === S.sel;
  if (i >= 0 && !keep) { S.items.splice(i, 1); S.total = Math.max(0, S.total - 1); }
  else if (i >= 0) S.items[i] = item;
  else if (keep && item.state !== "joined") { S.items.push(item); S.total += 1; }
  sortItems();
  renderList();
}
export function remove(id) {
  const i = S.items.findIndex((m) => m.id === id);
  if (i >= 0) { S.items.splice(i, 1); S.total = Math.max(0, S.total - 1); }
  U.seen(id);
  renderList();
}
export function patchItem(id, changes) {
  const m = S.items.find((x) => x.id === id); if (!m) return;
  Object.assign(m, changes); const old = list.querySelector(`[data-id="${id}"]`);
  if (old) { const had = document.activeElement === old, fresh = row(m); old.replaceWith(fresh); if (had) fresh.focus(); }
}
// Every second: the rows' countdowns, and a beep when one turns from calm to warn.
export function tickRows() {
  for (const node of list.querySelectorAll(".row")) {
    const m = S.items.find((x) => x.id === node.dataset.id); if (!m) continue;
    const c = countdown(m), box = node.querySelector(".countdown");
    if (!box.classList.contains(c.cls)) { box.className = "countdown " + c.cls; box.firstChild.replaceWith(icon(c.cls)); }
    box.lastChild.textContent = c.text;
    const was = S.warned.get(m.id); S.warned.set(m.id, c.cls);
    if (was === "calm" && c.cls === "warn") alertAgent("即将超时：" + m.author.name, m.text);
  }
}

export function setView(view) { S.view = view; for (const x of document.querySelectorAll("[data-view]")) x.setAttribute("aria-pressed", String(x.dataset.view === view)); }
for (const b of document.querySelectorAll("[data-view]")) b.addEventListener("click", () => { setView(b.dataset.view); loadList(false, true); });
let searchTimer = 0;
$("filter-form").addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(() => loadList(false, true), 250); });
$("filter-form").addEventListener("submit", (e) => { e.preventDefault(); loadList(false, true); });
$("more").addEventListener("click", () => loadList(true));
