// 贴心 workspace, the keyboard: j / k move through the list, 1-6 pick a draft, e edits, c
// claims, a (or Ctrl+Enter) approves, u undoes the newest approval, d dismisses, / searches,
// Esc leaves a field, ? shows the help (the same list is in the page's #help dialog).
import { $ } from "./dom.js";
import { S } from "./state.js";
import { select } from "./detail.js";
import { intend, pick, approve, dismiss } from "./editor.js";
import * as UN from "./undo.js";

export function move(step) {
  if (!S.items.length) return;
  const i = S.items.findIndex((m) => m.id === S.sel);
  const next = S.items[Math.max(0, Math.min(S.items.length - 1, i < 0 ? 0 : i + step))];
  if (next) select(next.id, true);
}
document.addEventListener("keydown", (e) => {
  const t = e.target, typing = t instanceof Element && t.matches("input, textarea, select");
  if (document.querySelector("dialog[open]")) return;
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); approve(); return; }
  if (typing) { if (e.key === "Escape") t.blur(); return; }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const acts = { j: () => move(1), k: () => move(-1), e: () => { const a = $("reply"); if (a) a.focus(); }, c: intend, u: () => { const b = UN.newest(); if (b) b.click(); }, a: approve, d: dismiss, "?": () => $("help").showModal(), "/": () => $("q").focus() };
  if (acts[e.key]) { e.preventDefault(); acts[e.key](); }
  else if (["1", "2", "3", "4", "5", "6"].includes(e.key)) { e.preventDefault(); pick(Number(e.key) - 1); }
});
$("help-open").addEventListener("click", () => $("help").showModal());
