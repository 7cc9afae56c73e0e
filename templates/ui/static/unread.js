// 贴心 workspace, the sense of the queue: mentions that arrived while the page was open and
// that nobody here has opened yet are "new". They carry a 新 badge, a "N 条新提及" cue
// above the list leads to the most urgent of them, and the count shows in the tab title
// and on the favicon, so work is visible from another tab.
// A module that imports nothing; it keeps its own small state.
const fresh = new Set();
const base = document.title;
let plainIcon = null;

function badge(text) { // the favicon with the count on it (a data: URL the CSP allows)
  const c = document.createElement("canvas"); c.width = 32; c.height = 32;
  const g = c.getContext("2d"); if (!g) return null;
  g.fillStyle = "#0b57d0"; g.beginPath(); g.arc(16, 16, 15, 0, 2 * Math.PI); g.fill();
  g.fillStyle = "#ffffff"; g.font = "bold " + (text.length > 1 ? 17 : 21) + "px sans-serif";
  g.textAlign = "center"; g.textBaseline = "middle"; g.fillText(text, 16, 17);
  return c.toDataURL("image/png");
}
function show() {
  const n = fresh.size, cue = document.getElementById("new-cue");
  document.title = n ? `(${n > 99 ? "99+" : n}) ${base}` : base;
  if (cue) { cue.hidden = !n; cue.textContent = `${n} 条新提及`; }
  const link = document.getElementById("favicon"); if (!link) return;
  if (plainIcon === null) plainIcon = link.getAttribute("href");
  const drawn = n ? badge(n > 9 ? "9+" : String(n)) : null;
  link.setAttribute("href", drawn || plainIcon);
}
// A mention the live stream brought that was not on the page before.
export function arrived(id) { fresh.add(id); show(); }
// Opened, answered elsewhere, or gone from the queue: no longer new.
export function seen(id) { if (fresh.delete(id)) show(); }
export const isNew = (id) => fresh.has(id);
// The most urgent new mention in the list's order (null when none is shown).
export function first(items) { const m = items.find((x) => fresh.has(x.id)); return m ? m.id : null; }
export const count = () => fresh.size;
