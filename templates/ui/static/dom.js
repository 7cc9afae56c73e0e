// 贴心 workspace, the bottom module: building elements, icons, numbers and times in the
// team's zone, and the toast. It imports nothing and keeps no page state.
// Every text node is set with textContent: mention texts are untrusted.

export const $ = (id) => document.getElementById(id);
export const meta = (n) => document.querySelector(`meta[name="${n}"]`);

// Icons as inline SVG (24x24 paths), so they show without an emoji font.
const ICONS = {
  calm: "M12 2a10 10 0 1 0 0 20a10 10 0 0 0 0-20zm0 2a8 8 0 1 1 0 16a8 8 0 0 1 0-16zm-1 3v6l5 3 1-1.7-4-2.3V7z",
  warn: "M12 2 1 21h22L12 2zm0 4 8 14H4l8-14zm-1 5v4h2v-4zm0 6v2h2v-2z",
  late: "M12 2a10 10 0 1 0 0 20a10 10 0 0 0 0-20zm-1 5h2v7h-2zm0 9h2v2h-2z",
  done: "M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z",
  lock: "M6 10V8a6 6 0 0 1 12 0v2h1v12H5V10zm2 0h8V8a4 4 0 0 0-8 0z",
};
export function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("aria-hidden", "true"); svg.setAttribute("class", "icon i-" + name);
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path"); path.setAttribute("d", ICONS[name]); svg.append(path);
  return svg;
}
export function el(tag, attrs, ...kids) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat()) if (kid !== null && kid !== undefined && kid !== false) node.append(kid instanceof Node ? kid : String(kid));
  return node;
}
// A titled block of the detail.
export function section(title, ...kids) { return el("section", { class: "block", "aria-label": title }, el("h3", null, title), ...kids); }

// ---- numbers and times ----
export function reach(n) {
  const trim = (x) => (x >= 100 ? Math.round(x).toString() : (Math.round(x * 10) / 10).toString());
  if (n >= 1e8) return trim(n / 1e8) + "亿";
  if (n >= 1e4) return trim(n / 1e4) + "万";
  return n.toLocaleString("en-US");
}
export function duration(ms) {
  const s = Math.floor(Math.abs(ms) / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return (h ? h + "小时" : "") + (h || m ? m + "分" : "") + r + "秒";
}
// The team's zone: the shell's, until GET /api/meta names one.
let zone = meta("tiexin-timezone").content;
export function setZone(name) { zone = name; }
export function when(iso) {
  if (!iso) return "";
  const at = typeof iso === "number" ? new Date(iso * 1000) : new Date(iso);
  return new Intl.DateTimeFormat("zh-CN", { timeZone: zone, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }).format(at);
}

let toastTimer = 0;
export function toast(text) { const t = $("toast"); t.textContent = text; t.hidden = false; clearTimeout(toastTimer); toastTimer = setTimeout(() => { t.hidden = true; }, 6000); }
