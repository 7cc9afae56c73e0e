// 贴心 workspace, the customer's history: in a mention's detail, the same person's other
// mentions on the platform (and on the accounts linked to theirs), newest first, each with
// when, its text, its state and what we replied; and linking another account as the same
// person (or unlinking one). Their other mentions still in the queue come first (GET
// /api/mentions/{id}/history: `open`, then the closed ones in `items`).
// A module that imports nothing; it keeps the history of the
// mention on screen and reads it again when another mention opens or a link changes.
let got = { id: null, data: null, error: "" }; // the open mention's history, once read
let last = null; // the latest block's mention and helpers, to fill it in when read

// The detail's block. h: {el, section, when, label, where, accountOf, api, open, toast,
// platforms: () => the platforms' labels}
function block(d, h) {
  last = { d, h };
  if (got.id !== d.id) load(d.id);
  const box = h.section("此人的历史", ...body(d, h));
  box.id = "history"; box.dataset.id = d.id;
  return box;
}

async function load(id) {
  got = { id, data: null, error: "" };
  const r = await last.h.api("GET", `/api/mentions/${id}/history`);
  if (got.id !== id) return; // another mention opened meanwhile
  got = r.status === 200 ? { id, data: r.data, error: "" } : { id, data: null, error: r.data.error || "加载历史失败" };
  const box = document.getElementById("history");
  if (box && box.dataset.id === id && last.d.id === id) box.replaceWith(block(last.d, last.h));
}

function body(d, h) {
  if (got.error) return [h.el("p", { class: "note", role: "alert" }, got.error)];
  const data = got.data;
  if (!data) return [h.el("p", { class: "meta" }, "正在读取……")];
  if (!data.account) return [h.el("p", { class: "meta" }, "这条提及没有作者 ID，查不到历史。")];
  const items = data.items || [], waiting = data.open || [];
  const count = !data.total ? "没有已处理完的记录。"
    : `已处理 ${data.total} 条` + (data.total > items.length ? `，显示最近 ${items.length} 条` : "");
  return [
    waiting.length ? h.el("p", { class: "meta", id: "history-open-count" }, `此人还有 ${waiting.length} 条在队列里：`) : null,
    waiting.length ? h.el("ol", { class: "history open", id: "history-open" }, waiting.map((m) => item(m, h))) : null,
    h.el("p", { class: "meta", id: "history-count" }, count),
    items.length ? h.el("ol", { class: "history", id: "history-items" }, items.map((m) => item(m, h))) : null,
    linked(d, data, h),
  ];
}

function item(m, h) {
  const other = m.platform !== last.d.platform ? h.label("platforms", m.platform) + " · " + m.author.name + " · " : "";
  return h.el("li", { "data-id": m.id },
    h.el("p", { class: "meta" }, h.el("time", null, h.when(m.created_at)), " · ", other, h.where(m), " · ", h.accountOf(m), " · ",
      h.el("span", { class: "badge state" }, h.label("states", m.state)), m.followups ? ` · 另有 ${m.followups} 条后续` : ""),
    h.el("button", { type: "button", class: "link said", title: "打开这条", onclick: () => h.open(m.id) }, m.text),
    m.reply_text ? h.el("blockquote", { class: "reply" }, h.el("span", { class: "meta" }, "我们回复："), m.reply_text) : null,
    !m.reply_text && m.dismiss_reason ? h.el("p", { class: "meta" }, "忽略原因：" + m.dismiss_reason) : null);
}

// The accounts linked to this one, each with 取消关联, and a form to link another.
function linked(d, data, h) {
  const me = data.account;
  const rows = (data.linked || []).map((a) => h.el("li", null, h.label("platforms", a.platform), " ", a.author_id, " ",
    h.el("button", { type: "button", class: "unlink", onclick: () => change("unlink", a, me, d.id, h) }, "取消关联")));
  const platform = h.el("select", { id: "link-platform", "aria-label": "平台" },
    Object.keys(h.platforms()).map((p) => h.el("option", { value: p, selected: p === me.platform }, h.label("platforms", p))));
  const author = h.el("input", { type: "text", id: "link-author", maxlength: "128", placeholder: "对方在该平台的用户 ID", "aria-label": "用户 ID" });
  const form = h.el("form", { class: "link-form", id: "link-form", onsubmit: (e) => {
    e.preventDefault();
    const id = author.value.trim(); if (!id) { author.focus(); return; }
    change("link", { platform: platform.value, author_id: id }, me, d.id, h);
  } }, platform, " ", author, " ", h.el("button", { type: "submit", id: "link-add" }, "关联"));
  return h.el("details", { class: "people", id: "people", open: rows.length > 0 },
    h.el("summary", null, rows.length ? `已关联 ${rows.length} 个其他账号` : "关联此人的其他账号"),
    rows.length ? h.el("ul", { class: "linked", id: "linked" }, rows) : null,
    h.el("p", { class: "meta" }, "同一个人在别的平台或账号上的提及会一起显示。"), form);
}

async function change(how, a, b, mention, h) {
  const r = await h.api("POST", `/api/people/${how}`, { a, b, mention });
  if (r.status !== 200) { h.toast(r.data.error || (how === "link" ? "关联失败" : "取消关联失败")); return; }
  h.toast(how === "link" ? "已关联为同一个人" : "已取消关联");
  if (last && last.d.id === mention) load(mention);
}

export { block };
