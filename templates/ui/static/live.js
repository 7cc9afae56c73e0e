// 贴心 workspace, the live stream: each event updates its row and the open detail, marks
// what is new (unread.js), rings for a crisis or a hand-off; the stream reconnects by
// itself, and a server without one is polled every 15 s. Also the 开启提醒 button.
import { $, toast } from "./dom.js";
import { S, ME, OPEN, label, actorOf, alertAgent } from "./state.js";
import { loadList, matches, noReplyView, upsert, remove, patchItem } from "./list.js";
import { refreshDetail, renderDetail } from "./detail.js";
import * as I from "./incidents.js";
import * as U from "./unread.js";
import * as UN from "./undo.js";
import * as T from "./team.js";

function setLive(text, ok) { const p = $("live"); p.textContent = text; p.className = "live " + (ok ? "on" : "off"); }
export function onEvent(ev) {
  const item = ev.item;
  if (!item) return remove(ev.id);
  if ((ev.type === "acked" || ev.type === "drafted") && ev.id === S.sel) refreshDetail(false); // drafted: generated drafts came
  if (item.state === "joined") {
    if (item.head === S.sel) { S.mustReread = true; refreshDetail(false); toast("对方又发了新消息"); }
    if (item.head) patchItem(item.head, { followups: ((S.items.find((m) => m.id === item.head) || {}).followups || 0) + 1 });
    return;
  }
  if (ev.id === S.sel && S.detail && !OPEN.includes(item.state) && ev.actor !== ME) { S.detail = Object.assign(S.detail, item); S.note = (actorOf(ev.actor) || "同事") + " 已处理这条：" + label("states", item.state); renderDetail(); }
  if (T.toMe(ev)) { alertAgent("同事转给你：" + item.author.name, item.text); toast(actorOf(ev.actor) + " 把一条提及转给了你"); }
  if (ev.type === "undone" && ev.actor !== ME && UN.has(ev.id)) UN.settled(ev.id, (actorOf(ev.actor) || "同事") + " 撤销了这条回复");
  if (ev.id === S.sel && ev.type === "claimed" && ev.actor !== ME) { S.note = actorOf(ev.actor) + " 正在处理这条，先别重复回复"; const b = $("claim-note"); if (b) { b.textContent = S.note; b.hidden = false; } }
  const known = S.items.some((m) => m.id === item.id), first = !(S.known && S.known.has(item.id));
  if (S.known) S.known.add(item.id);
  const shown = known || (noReplyView() ? item.state === "no_reply" : matches(item));
  if (ev.type === "queued" && first && shown && item.id !== S.sel) U.arrived(item.id);
  if (!OPEN.includes(item.state)) U.seen(item.id);
  if (shown) upsert(item);
  if (ev.type === "queued" && item.crisis && item.crisis.flag && first) alertAgent("🚨 危机提及：" + item.author.name, item.text);
  // An incident moved rows (folded one into its incident's, or put the next member up):
  // the server's order is read again, once for a burst.
  if ((ev.type === "queued" && item.crisis && item.crisis.flag) || ev.type === "moved") I.reloadSoon(() => loadList(false, true));
}
export function connectLive() {
  if (!window.EventSource) return poll();
  const es = new EventSource("/api/live");
  es.addEventListener("open", () => setLive("实时更新中", true));
  es.addEventListener("mention", (msg) => { try { onEvent(JSON.parse(msg.data)); } catch (e) { console.error(e); } });
  es.addEventListener("reset", () => loadList(false));
  es.addEventListener("error", () => {
    if (es.readyState === EventSource.CLOSED) { es.close(); poll(); } else setLive("重新连接中…", false);
  });
}
function poll() { // no live stream on this server: refresh the list every 15 s instead
  setLive("每 15 秒刷新", false);
  setInterval(() => { if (!document.hidden) loadList(false); }, 15000);
}

$("notify").addEventListener("click", async (e) => {
  S.notify = !S.notify; e.target.setAttribute("aria-pressed", String(S.notify));
  e.target.textContent = S.notify ? "提醒已开启" : "开启提醒";
  if (S.notify && window.Notification && Notification.permission === "default") await Notification.requestPermission();
});
