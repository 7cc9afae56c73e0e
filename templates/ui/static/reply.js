// 贴心 workspace, the reply part of the detail as it is drawn: the drafts, the reply box
// with its length counter (Weibo counts its own way), the style check's findings and the
// buttons (批准发送 and 忽略; 需要回复 for 无需回复; 复制 and 标记已发送 for a reply to post by
// hand). What the buttons do is editor.js's, which listens on the detail pane.
import { $, el, section, when } from "./dom.js";
import { S, ME, OPEN, label } from "./state.js";
import { stateText } from "./list.js";
import * as I from "./incidents.js";

// Weibo's count, as connectors/weibo/length.py: per code point, ASCII counts half, rounded up.
export function weiboLength(text) {
  let ascii = 0, all = 0;
  for (const ch of text) { all += 1; if (ch.codePointAt(0) < 128) ascii += 1; }
  return all - ascii + Math.ceil(ascii / 2);
}
function limitOf(m) {
  if (m.platform === "weibo" && m.kind !== "dm") return { max: 140, count: weiboLength, rule: "微博按字计（英文数字算半个）" };
  return null;
}
export function counter() {
  const area = $("reply"), out = $("counter"), limit = limitOf(S.detail); if (!area || !out) return;
  if (!limit) { out.textContent = `${[...area.value].length} 字`; out.className = "counter"; return; }
  const left = limit.max - limit.count(area.value);
  out.textContent = left >= 0 ? `还可输入 ${left} 字（共 ${limit.max}，${limit.rule}）` : `超出 ${-left} 字（共 ${limit.max}，${limit.rule}）`;
  out.className = "counter" + (left < 0 ? " over" : "");
}

// What follows the judgement and the history: why it cannot be answered, who approved it,
// then the editor (open), 需要回复 (无需回复) or how it ended (closed).
export function replyParts(d) {
  const kids = [], drafts = d.drafts || [];
  if (d.window_closed) kids.push(el("p", { class: "note closed", role: "status" }, "已超出平台的回复窗口（微信 48 小时），无法再回复。请换个渠道联系对方，或忽略这条。"));
  const may = d.held_by ? { allowed: false, reason: d.held_by + " 已批准，等待发出" } : I.approval(d);
  if (d.held_by) kids.push(el("p", { class: "note held", role: "status", id: "held-note" }, (d.held_by === ME ? "你" : d.held_by) + " 已批准这条回复，" + when(d.held_until) + " 发出；发出前可以撤销。 ", el("button", { type: "button", id: "undo-open" }, "撤销")));
  if (OPEN.includes(d.state)) {
    kids.push(section("草稿", drafts.length ? el("ol", { class: "drafts" }, drafts.map((x, i) => el("li", null, el("button", { type: "button", class: "draft", "aria-pressed": String(i === S.chosen) }, el("kbd", null, String(i + 1)), " ", x.source === "llm" ? el("span", { class: "badge llm", title: "由模型生成，已过风格和事实检查；发送前请再看一遍" }, "模型") : null, x.source === "llm" ? " " : null, x.text)))) : el("p", { class: "meta" }, "没有草稿，请自己写。")));
    kids.push(section("回复",
      el("label", { for: "reply" }, "回复内容", el("span", { class: "key-hint" }, "（按 e 编辑）")),
      el("textarea", { id: "reply", rows: "4", "data-id": d.id, "aria-describedby": "counter" }),
      el("p", { id: "counter", class: "counter", "aria-live": "polite" }),
      el("div", { id: "findings", class: "note findings", role: "alert", hidden: !S.findings }, S.findings ? [el("p", null, "风格检查没通过："), el("ul", null, S.findings.map((f) => el("li", null, f.message + (f.words && f.words.length ? "（" + f.words.join("、") + "）" : "")))),
        el("label", null, el("input", { type: "checkbox", id: "override" }), " 仍然发送（需写原因）"), " ", el("label", null, "原因 ", el("input", { type: "text", id: "override-reason", maxlength: "400" }))] : null),
      el("p", { class: "actions bar" },
        el("button", { type: "button", id: "approve", class: "primary", disabled: d.window_closed || S.mustReread || !may.allowed, title: may.allowed ? null : may.reason, "aria-describedby": may.allowed ? null : "lead-required", "aria-keyshortcuts": "a Control+Enter" }, "批准发送", el("span", { class: "key-hint" }, " (a)")),
        " ", el("button", { type: "button", id: "dismiss-open", "aria-keyshortcuts": "d" }, "忽略", el("span", { class: "key-hint" }, " (d)"))),
      I.note(d, { el })));
  } else if (d.state === "no_reply") {
    kids.push(el("p", { class: "note noreply", id: "noreply-note" }, "无需回复：" + (label("reasons", d.reply_reason) || "其他") + "。这条不计时，也不会通知值班。"));
    kids.push(el("p", { class: "actions bar" }, el("button", { type: "button", id: "needs-reply", class: "primary" }, "需要回复"), el("span", { class: "meta" }, " 移回队列，从现在开始计时")));
  } else {
    kids.push(el("p", { class: "note" }, "状态：" + (stateText(d) || label("states", d.state)) + (d.closed_by ? "（" + d.closed_by + "）" : "")));
    if (d.reply_text) kids.push(section("已批准的回复", el("blockquote", { class: "post", id: "approved-text" }, d.reply_text)));
    if (d.state === "manual") kids.push(el("p", { class: "actions bar" },
      el("button", { type: "button", id: "copy" }, "复制回复"), " ",
      d.send_url && d.send_url.startsWith("https://") ? el("a", { href: d.send_url, target: "_blank", rel: "noopener noreferrer" }, "去贴吧发布") : null, " ",
      el("button", { type: "button", id: "mark-sent", class: "primary" }, "标记已发送")));
  }
  return kids;
}
