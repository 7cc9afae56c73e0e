// 贴心 workspace, sends whose outcome is unknown (send_unknown): the 可能已发出 badge on
// the row, the note in the detail, and the confirm step before sending again, which the
// server requires ("resend": true; without it approving answers 409 maybe_sent).
// A module that imports nothing; it uses no page state.
const LABEL = "可能已发出";
const link = (d, el) => (d.url && d.url.startsWith("https://") ? el("a", { href: d.url, target: "_blank", rel: "noopener noreferrer" }, "到平台上查看") : null);

// The row's badge (its title carries why), or null for every other mention. h: {el}
function badge(m, h) {
  if (!m.send_unknown) return null;
  return h.el("span", { class: "badge state st-maybe-sent", title: m.send_error || "" }, LABEL);
}

// The detail's note: what happened and where to look first.
function note(d, h) {
  if (!d.send_unknown) return null;
  return h.el("div", { id: "maybe-sent", class: "note maybe-sent", role: "alert" },
    h.el("strong", { class: "badge state st-maybe-sent" }, LABEL), " ",
    d.send_error || "上次发送中途中断，无法确认是否已发出。", " ", link(d, h.el));
}

// Show a modal dialog; resolves true only when it closes with "ok". The resend dialog's
// cancel button has the focus, so a stray Enter does not post twice. A close event still
// queued from the dialog's previous closing can arrive after it opens again: it is
// ignored while the dialog is open, or it would answer for this one and leave the
// agent's real choice unheard.
function confirm(dialog) {
  return new Promise((resolve) => {
    const closed = () => {
      if (dialog.open) return;
      dialog.removeEventListener("close", closed);
      resolve(dialog.returnValue === "ok");
    };
    dialog.returnValue = "";
    dialog.addEventListener("close", closed);
    dialog.showModal();
  });
}

// What an event adds to its line in the record.
function eventNote(ev) {
  if (ev.type === "approved" && ev.resend) return "（确认重发）";
  if (ev.type === "sent" && ev.read_back) return "（在平台上找到了已发出的回复）";
  if (ev.type === "sent" && ev.late) return "（迟到的确认：这次发送其实已发出，回复 ID " + (ev.reply_id || "未知") + "）";
  if (ev.type === "send_failed" && ev.send_unknown) return "（" + LABEL + "）";
  return "";
}

export { LABEL, badge, note, confirm, eventNote };
