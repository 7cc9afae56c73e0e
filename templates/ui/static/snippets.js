// 贴心 workspace, saved snippets: typing "/" in the reply opens the agent's and the team's
// snippets, filtered by what follows the slash ("/物流"); ↑ ↓ choose, Enter or Tab inserts
// (the "/物流" is replaced), Esc closes. The 快捷短语 dialog saves the reply (or the selected
// part) under a name, for oneself or, for a lead, for the team, and deletes them.
// A module that imports nothing; `start(api, toast)` wires it.
let all = []; // { scope, name, text }
let menu = null, shown = [], at = 0, api = null, toast = null;
// A slash that starts a word (Chinese has no spaces: after anything but a link's letters,
// so "https://" and "3/4" open nothing), then what was typed after it.
const TYPED = /(^|[^A-Za-z0-9:/.])\/([^\s/]{0,20})$/;

async function load() {
  const r = await api("GET", "/api/snippets");
  if (r.status !== 200) return;
  all = [...r.data.mine.map((s) => ({ scope: "mine", ...s })), ...r.data.team.map((s) => ({ scope: "team", ...s }))];
}
function typed(area) { const m = TYPED.exec(area.value.slice(0, area.selectionStart)); return m ? m[2] : null; }
function close() { if (menu) menu.hidden = true; shown = []; }
function open(area, query) {
  const q = query.toLowerCase();
  shown = all.filter((s) => s.name.toLowerCase().includes(q) || s.text.includes(query)).slice(0, 8);
  if (!menu) { menu = document.createElement("ul"); menu.id = "snippet-menu"; menu.className = "snippet-menu"; menu.setAttribute("role", "listbox"); menu.setAttribute("aria-label", "快捷短语"); }
  area.after(menu);
  at = 0; draw(area);
}
function draw(area) {
  menu.replaceChildren(...(shown.length ? shown.map((s, i) => {
    const li = document.createElement("li");
    li.setAttribute("role", "option"); li.setAttribute("aria-selected", String(i === at)); li.dataset.i = String(i);
    const name = document.createElement("strong"); name.textContent = "/" + s.name + (s.scope === "team" ? "（团队）" : "");
    li.append(name, " ", s.text.length > 40 ? s.text.slice(0, 40) + "…" : s.text);
    li.addEventListener("mousedown", (e) => { e.preventDefault(); insert(area, i); });
    return li;
  }) : [Object.assign(document.createElement("li"), { textContent: all.length ? "没有匹配的快捷短语" : "还没有快捷短语：点“快捷短语”保存常用的话" })]));
  menu.hidden = false;
}
function insert(area, i) {
  const s = shown[i]; if (!s) return;
  const end = area.selectionStart, before = area.value.slice(0, end), m = TYPED.exec(before);
  const start = m ? end - m[2].length - 1 : end;
  area.setRangeText(s.text, start, end, "end");
  area.dispatchEvent(new Event("input", { bubbles: true })); // the counter and the claim
  close(); area.focus();
}
function onInput(e) {
  const area = e.target; if (!(area instanceof HTMLTextAreaElement) || area.id !== "reply") return;
  const q = typed(area);
  if (q === null) close(); else open(area, q);
}
function onKey(e) { // capture phase: before the workspace's own keys
  const area = e.target; if (!menu || menu.hidden || !(area instanceof HTMLTextAreaElement) || area.id !== "reply") return;
  if (e.key === "ArrowDown" || e.key === "ArrowUp") { e.preventDefault(); e.stopPropagation(); if (shown.length) { at = (at + (e.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length; draw(area); } }
  else if ((e.key === "Enter" || e.key === "Tab") && !e.ctrlKey && !e.metaKey && shown.length) { e.preventDefault(); e.stopPropagation(); insert(area, at); }
  else if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); close(); }
}
function manage() {
  const dialog = document.getElementById("snippets"), form = document.getElementById("snippet-form");
  const list = document.getElementById("snippet-list");
  const show = () => list.replaceChildren(...all.map((s) => {
    const li = document.createElement("li");
    const del = document.createElement("button"); del.type = "button"; del.textContent = "删除";
    del.addEventListener("click", async () => {
      const r = await api("POST", "/api/snippets/delete", { scope: s.scope, name: s.name });
      if (r.status !== 200) return toast(r.data.error || "删除失败");
      await load(); show();
    });
    li.append("/" + s.name + (s.scope === "team" ? "（团队）" : "") + "：" + s.text + " ", del);
    return li;
  }));
  document.getElementById("snippets-open").addEventListener("click", () => {
    const area = document.getElementById("reply");
    const picked = area ? area.value.slice(area.selectionStart, area.selectionEnd) : "";
    form.elements.text.value = picked || (area ? area.value : "");
    show(); dialog.showModal(); form.elements.name.focus();
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { scope: form.elements.scope.value, name: form.elements.name.value.trim(), text: form.elements.text.value.trim() };
    const r = await api("POST", "/api/snippets", body);
    if (r.status !== 200) return toast(r.data.error || "保存失败");
    form.elements.name.value = ""; await load(); show(); toast("已保存快捷短语 /" + body.name);
  });
  document.getElementById("snippets-close").addEventListener("click", () => dialog.close());
}
export async function start(callApi, callToast) {
  api = callApi; toast = callToast;
  await load();
  document.addEventListener("input", onInput);
  document.addEventListener("keydown", onKey, true);
  document.addEventListener("focusout", (e) => { if (e.target instanceof HTMLTextAreaElement && e.target.id === "reply") close(); });
  manage();
}
