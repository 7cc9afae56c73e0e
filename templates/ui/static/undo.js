// 贴心 workspace, send with undo: an approved reply waits out the server's send delay
// ([outbox] undo_seconds). Each waiting reply gets a bar at the bottom of the page with
// a countdown and 撤销 (or the u key for the newest); nothing reaches the platform until the
// countdown ends. A held mention shows who approved it, in the list and in the detail.
// A module that imports nothing; it keeps its own small state.
const waiting = new Map(); // mention id -> { bar, until, timer }

function tray() {
  let t = document.getElementById("undo-tray");
  if (!t) { t = document.createElement("div"); t.id = "undo-tray"; t.className = "undo-tray"; t.setAttribute("aria-live", "polite"); document.body.append(t); }
  return t;
}
function left(until, now) { return Math.max(0, Math.ceil((Date.parse(until) - now()) / 1000)); }
function finish(id, text) {
  const w = waiting.get(id); if (!w) return;
  clearInterval(w.timer); waiting.delete(id);
  if (!text) { w.bar.remove(); return; }
  w.bar.replaceChildren(text); w.bar.classList.add("done");
  setTimeout(() => w.bar.remove(), 2500);
}
// An approval the server holds: show its countdown; `undo()` resolves to true once
// the server took it back.
export function start(id, name, until, now, undo) {
  finish(id, "");
  const count = document.createElement("span");
  const button = document.createElement("button");
  button.type = "button"; button.className = "undo"; button.textContent = "撤销";
  button.dataset.id = id;
  const bar = document.createElement("p");
  bar.className = "undo-bar"; bar.setAttribute("role", "status"); bar.dataset.id = id;
  bar.append("已批准回复 " + name + "，", count, " ", button);
  const tick = () => {
    const n = left(until, now);
    if (n <= 0) return finish(id, "已发出给 " + name);
    count.textContent = n + " 秒后发出";
  };
  button.addEventListener("click", async () => {
    button.disabled = true;
    if (await undo()) finish(id, "已撤销，回复没有发出"); else button.disabled = false;
  });
  tray().append(bar);
  waiting.set(id, { bar, until, timer: setInterval(tick, 250) });
  tick();
}
// The newest waiting approval's 撤销 (the u key).
export function newest() { const ids = [...waiting.keys()]; const id = ids[ids.length - 1]; return id ? waiting.get(id).bar.querySelector("button.undo") : null; }
// The server says it went out, or someone else took it back: the bar ends.
export function settled(id, text) { finish(id, text); }
export const has = (id) => waiting.has(id);
