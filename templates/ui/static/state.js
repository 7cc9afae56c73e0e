// 贴心 workspace, what every other module shares: who is signed in, the page's state S,
// the labels L (all from the server: GET /api/meta, one source for page and API), api()
// with the CSRF token, and the alert sound. Imports only dom.js.
import { $, el, meta, setZone, toast } from "./dom.js";

export const ME = meta("tiexin-user").content;
const CSRF = meta("csrf-token").content;
export const WARN_BEFORE = Number(meta("tiexin-warn-before").content) * 1000;
export const OPEN = ["queued", "failed"];

export const L = { platforms: {}, kinds: {}, sentiments: {}, intents: {}, states: {}, roles: {}, reasons: {}, aspects: {}, polarities: {}, events: {}, accounts: {}, actors: {} };
// items/total: the list; sel/detail: the open mention; chosen/findings/note/before/restore:
// its editor; known: every id seen since load; warned: each row's last countdown class.
export const S = { items: [], total: 0, view: "all", skew: 0, sel: null, detail: null, live: false, claimTimer: 0, claimed: null, mustReread: false, notify: false, warned: new Map(), pinMost: 3, known: null, chosen: 0, findings: null, note: "", before: null, restore: null, approving: false };

export async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { "X-CSRF-Token": CSRF, Accept: "application/json" } };
  if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
  let resp;
  try { resp = await fetch(path, init); } catch (e) { return { status: 0, data: { error: "网络连接失败" } }; }
  if (resp.status === 401) { location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search); }
  let data = {};
  try { data = await resp.json(); } catch (e) { data = {}; }
  return { status: resp.status, data };
}

// The server's clock: the list's load says what time it is there.
export const nowMs = () => Date.now() + S.skew;
export const label = (group, key) => (key && L[group][key]) || key || "";
// The brand's accounts and the actors of events as the team calls them ([accounts] and
// the users' display names in config); a process's own name reads as 系统.
export const accountOf = (m) => L.accounts[m.platform + "/" + m.account] || m.account;
export const actorOf = (a) => L.actors[a] || (/-[0-9a-f]{8}(-\d+)?$/.test(a || "") ? "系统（" + a + "）" : a || "");
export const where = (m) => label("platforms", m.platform) + (m.platform === "wechat" ? "" : label("kinds", m.kind));
export const sentimentOf = (m) => m.sentiment.corrected || m.sentiment.label;

export async function loadMeta() {
  const r = await api("GET", "/api/meta");
  if (r.status !== 200) toast("加载标签失败：" + (r.data.error || r.status) + "，页面先显示代码");
  if (r.status === 200) {
    if (r.data.timezone) setZone(r.data.timezone);
    for (const k of ["intents", "platforms", "kinds", "states", "roles", "aspects", "polarities", "events", "accounts", "actors"]) if (r.data[k]) Object.assign(L[k], r.data[k]);
    if (r.data.reply_reasons) Object.assign(L.reasons, r.data.reply_reasons);
    if (r.data.labels) Object.assign(L.sentiments, r.data.labels);
    if (r.data.user && r.data.user.display) $("me").textContent = r.data.user.display;
    if (r.data.incidents) S.pinMost = r.data.incidents.pin_most;
  }
  for (const sel of document.querySelectorAll("select[data-labels]")) for (const [k, v] of Object.entries(L[sel.dataset.labels])) sel.append(el("option", { value: k }, v));
}

// A notification and a short beep, once the agent turned 提醒 on.
export function alertAgent(title, body) {
  if (!S.notify) return;
  if (window.Notification && Notification.permission === "granted") new Notification(title, { body, tag: "tiexin" });
  try {
    const ctx = new AudioContext(), osc = ctx.createOscillator(); osc.frequency.value = 880; osc.connect(ctx.destination);
    osc.start(); osc.stop(ctx.currentTime + 0.15);
  } catch (e) { /* no sound available */ }
}
