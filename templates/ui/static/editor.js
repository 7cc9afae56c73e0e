// 贴心 workspace, the reply editor at work: claiming on intent, picking a draft, approving
// (with undo, the style check's override, and the resend question) and dismissing, moving
// a 无需回复 back, and a reply posted by hand. It listens on the detail pane for the
// buttons reply.js draws.
import { $, toast } from "./dom.js";
import { S, ME, OPEN, api, nowMs } from "./state.js";
import { loadList, patchItem } from "./list.js";
import { counter } from "./reply.js";
import { select, refreshDetail, renderDetail, advance } from "./detail.js";
import * as R from "./resend.js";
import * as I from "./incidents.js";
import * as UN from "./undo.js";

const CLAIM_RENEW_MS = 4 * 60 * 1000; // claims last 5 minutes on the server
const pane = $("detail");

// Opening a mention only reads it: the agent claims it by showing intent (the first
// edit, picking a draft, or c), and keeps it while it stays open.
export async function intend() {
  const id = S.sel; if (!id || S.claimed === id || !S.detail || !OPEN.includes(S.detail.state)) return;
  S.claimed = id; clearInterval(S.claimTimer); S.claimTimer = setInterval(claim, CLAIM_RENEW_MS);
  await claim();
}
function claimedBy(data) {
  if (data.claimed_by) return data.claimed_by;
  const m = /claimed by (.+)$/.exec(data.error || ""); return m ? m[1] : null;
}
async function claim() {
  const id = S.sel; if (!id) return;
  const r = await api("POST", `/api/mentions/${id}/claim`, {});
  if (S.sel !== id) return;
  if (r.status === 200) { S.note = ""; patchItem(id, { claimed_by: r.data.claimed_by, claim_until: r.data.until }); }
  else if (r.status === 409 && claimedBy(r.data)) S.note = claimedBy(r.data) + " 正在处理这条，先别重复回复";
  else if (r.status === 409) S.note = "这条已处理：" + (r.data.error || "");
  else if (r.status !== 200) toast(r.data.error || "认领失败");
  const box = $("claim-note"); if (box) { box.textContent = S.note; box.hidden = !S.note; }
}
export function pick(i) {
  const d = S.detail; if (!d || !d.drafts || i >= d.drafts.length || !$("reply")) return;
  S.chosen = i; $("reply").value = d.drafts[i].text; S.findings = null;
  for (const [n, b] of [...pane.querySelectorAll(".draft")].entries()) b.setAttribute("aria-pressed", String(n === i));
  const f = $("findings"); if (f) f.hidden = true; counter(); intend();
}
function reread() { S.mustReread = false; const b = $("approve"); if (b) b.disabled = !!S.detail.window_closed || !I.approval(S.detail).allowed; $("stale").hidden = true; $("reply").focus(); }
// One approval at a time: a second call while the first waits on the resend dialog
// would share its answer and post twice (the second then reads "already approved").
export async function approve() {
  if (S.approving) return;
  S.approving = true; document.body.dataset.approving = "1"; // a second approve waits for this one
  try { await approveOnce(); } finally { S.approving = false; delete document.body.dataset.approving; }
}
async function approveOnce() {
  const d = S.detail, area = $("reply"); if (!d || !area || !OPEN.includes(d.state)) return;
  if (S.mustReread) { toast("请先阅读对方的新消息，再批准"); $("reread").focus(); return; }
  if (d.window_closed) { toast("已超出回复窗口，不能批准"); return; }
  if (!I.approval(d).allowed) { toast(I.approval(d).reason); return; }
  const body = {}, draft = (d.drafts || [])[S.chosen];
  if (draft) body.draft = S.chosen;
  if (!draft || area.value !== draft.text) body.text = area.value;
  const o = $("override"); if (o && o.checked) { body.override = true; body.override_reason = $("override-reason").value; }
  if (d.seen) body.seen = d.seen;
  if (d.send_unknown) { if (!(await R.confirm($("resend")))) return; body.resend = true; }
  let r = await api("POST", `/api/mentions/${d.id}/approve`, body);
  if (r.status === 409 && r.data.code === "maybe_sent" && !body.resend) { // the page had not heard yet
    d.send_unknown = true; patchItem(d.id, { send_unknown: true }); renderDetail();
    if (!(await R.confirm($("resend")))) return;
    body.resend = true; r = await api("POST", `/api/mentions/${d.id}/approve`, body);
  }
  if (r.status === 200 && r.data.state === "held") { // goes out when the countdown ends, unless undone
    const text = area.value; UN.start(d.id, d.author.name, r.data.held_until, nowMs, () => undoHeld(d.id, text));
    patchItem(d.id, { held_by: ME, held_until: r.data.held_until }); // stays listed until it goes out
    return advance(d.id, true);
  }
  if (r.status === 200) { toast((body.resend ? "已确认重发：" : "已批准：") + d.author.name); return advance(d.id); }
  if (r.status === 422 && r.data.findings) { S.findings = r.data.findings; renderDetail(); $("override").focus(); return; }
  if (r.status === 409 && r.data.code === "stale") { S.mustReread = true; await refreshDetail(false); toast(r.data.error || "对方又发了新消息"); $("reread").focus(); return; }
  if (r.status === 409 && claimedBy(r.data)) return toast(claimedBy(r.data) + " 正在处理这条");
  toast(r.data.error || "批准失败");
}
async function undoHeld(id, text) {
  const r = await api("POST", `/api/mentions/${id}/undo`, {});
  if (r.status !== 200) { toast(r.data.error || "撤销失败"); if (r.status === 409) UN.settled(id, r.data.error); return false; }
  S.restore = { id, text }; // back in the editor, as it was approved
  await loadList(false); await select(id, true);
  return true;
}
async function needsReply() {
  const d = S.detail; if (!d || d.state !== "no_reply") return;
  const r = await api("POST", `/api/mentions/${d.id}/needs_reply`, {});
  if (r.status === 200) { toast("已移回队列，从现在开始计时"); advance(d.id); } else toast(r.data.error || "操作失败");
}
export async function dismiss() {
  const d = S.detail; if (!d || !OPEN.includes(d.state)) return;
  if (!(await R.confirm($("dismiss")))) return;
  const f = $("dismiss-form").elements, reason = [f.why.value, f.note.value.trim()].filter(Boolean).join("：");
  if (f.why.value === "无需回复") { // set aside, not closed: the 无需回复 view can take it back
    const r = await api("POST", `/api/mentions/${d.id}/no_reply`, { reason: "other", note: f.note.value.trim() });
    if (r.status === 200) { toast("已移到“无需回复”"); advance(d.id); } else toast(r.data.error || "操作失败");
    return;
  }
  const r = await api("POST", `/api/mentions/${d.id}/dismiss`, { reason });
  if (r.status === 200) { toast("已忽略"); advance(d.id); } else toast(r.data.error || "忽略失败");
}
async function copy(text) {
  try { await navigator.clipboard.writeText(text); toast("已复制"); } catch (e) { toast("复制失败，请手动选择文字"); }
}
async function markSent() {
  const d = S.detail, r = await api("POST", `/api/mentions/${d.id}/sent`, {});
  if (r.status === 200) { toast("已标记为已发送"); advance(d.id); } else toast(r.data.error || "标记失败");
}

// The pane is drawn again on every change; its buttons are answered here.
const BUTTONS = {
  approve, "dismiss-open": dismiss, reread, "needs-reply": needsReply, "mark-sent": markSent,
  copy: () => copy(S.detail.reply_text), "undo-open": () => undoHeld(S.detail.id, ""),
};
pane.addEventListener("click", (e) => {
  const b = e.target.closest("button"); if (!b || !S.detail) return;
  if (b.classList.contains("draft")) pick([...pane.querySelectorAll(".draft")].indexOf(b));
  else if (BUTTONS[b.id]) BUTTONS[b.id]();
});
pane.addEventListener("input", (e) => { if (e.target.id === "reply") { counter(); intend(); } });
