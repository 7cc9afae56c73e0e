// 贴心 workspace, team tools: internal notes on a mention (never sent), handing it to a
// named colleague (not one who is away), and the agent's own away status (a break: no
// hand-offs). A module that imports nothing: detail.js calls `block(detail, helpers)` for
// the detail's section and live.js `toMe(event)` for live events.
let people = []; // { name, display, away } from GET /api/team
let me = "";

async function load(api) {
  const r = await api("GET", "/api/team");
  if (r.status === 200) people = r.data.people;
  return r.status === 200;
}
function awayButton(api, toast) {
  const b = document.getElementById("away");
  if (!b) return;
  const show = () => {
    const mine = people.find((p) => p.name === me);
    const away = !!(mine && mine.away);
    b.setAttribute("aria-pressed", String(away));
    b.textContent = away ? "我回来了" : "暂时离开";
    b.title = away ? "你现在是离开状态：同事不能把提及转给你" : "休息时点一下：同事就不会把提及转给你";
  };
  b.addEventListener("click", async () => {
    const mine = people.find((p) => p.name === me);
    const away = !(mine && mine.away);
    const r = await api("POST", "/api/me/away", { away });
    if (r.status !== 200) return toast(r.data.error || "设置失败");
    await load(api); show(); toast(away ? "已设为离开：不会收到转交" : "欢迎回来");
  });
  show();
}
export async function start(api, toast, name) { me = name; await load(api); awayButton(api, toast); }
// The detail's 备注与转交 section: the notes so far, a note box, and hand-off to a
// colleague who is here (for an open mention).
export function block(d, h) {
  const { el, section, when, actorOf, api, toast, refresh, handedOff, open } = h;
  const notes = (d.events || []).filter((ev) => ev.type === "noted");
  const box = el("textarea", { id: "note-text", rows: "2", maxlength: "1000", "aria-label": "内部备注（不会发给用户）" });
  const add = el("button", { type: "button", id: "note-add", onclick: async () => {
    const text = box.value.trim(); if (!text) return box.focus();
    const r = await api("POST", `/api/mentions/${d.id}/notes`, { text });
    if (r.status !== 200) return toast(r.data.error || "备注没存上");
    box.value = ""; toast("备注已保存（只有同事能看到）"); refresh();
  } }, "添加备注");
  const kids = [
    notes.length ? el("ol", { class: "notes" }, notes.map((n) => el("li", null, el("span", { class: "meta" }, when(n.at), " · ", actorOf(n.actor)), " ", n.note))) : el("p", { class: "meta" }, "还没有备注。"),
    el("p", { class: "note-form" }, box, " ", add),
  ];
  if (open) {
    const here = people.filter((p) => p.name !== me && !p.away);
    const pick = el("select", { id: "handoff-to", "aria-label": "转给哪位同事" }, el("option", { value: "" }, "转给…"), here.map((p) => el("option", { value: p.name }, p.display || p.name)));
    const why = el("input", { type: "text", id: "handoff-note", maxlength: "500", placeholder: "交代一句（可选）", "aria-label": "转交说明" });
    const go = el("button", { type: "button", id: "handoff", onclick: async () => {
      if (!pick.value) return pick.focus();
      const r = await api("POST", `/api/mentions/${d.id}/handoff`, { to: pick.value, note: why.value.trim() });
      if (r.status !== 200) return toast(r.data.error || "转交失败");
      toast("已转给 " + (pick.selectedOptions[0].textContent || pick.value)); handedOff(d.id, r.data);
    } }, "转交");
    kids.push(el("p", { class: "handoff" }, pick, " ", why, " ", go, here.length ? null : el("span", { class: "meta" }, " 同事都不在线或都离开了")));
  }
  return section("备注与转交", ...kids);
}
// A live event: a mention handed to me (true when it was).
export function toMe(ev) { return ev.type === "handed_off" && ev.item && ev.item.claimed_by === me && ev.actor !== me; }
