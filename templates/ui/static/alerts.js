// 贴心 workspace, the part alerts link to: the page honours its URL's query on load
// (m=<mention id> opens that mention; view, sort and the filters are applied), and a
// mention that paged someone shows who acknowledged it, or the button that does.
// A module that imports nothing; it uses no page state.
const FILTERS = ["sort", "platform", "account", "kind", "intent", "sentiment", "state", "q"];
const VIEWS = ["all", "mine", "unassigned"];
const MENTION_ID = /^[0-9a-f]{16}$/;

// Put the query's filters into the form (a select only takes a value it offers) and
// return the view and mention it names (null when absent or malformed).
function fromQuery(form, search) {
  const p = new URLSearchParams(search);
  for (const name of FILTERS) {
    const value = p.get(name), field = form.elements[name];
    if (value === null || !field) continue;
    if (field.tagName === "SELECT" && ![...field.options].some((o) => o.value === value)) continue;
    field.value = value;
  }
  const view = p.get("view"), mention = p.get("m");
  return { view: VIEWS.includes(view) ? view : null, mention: MENTION_ID.test(mention || "") ? mention : null };
}

const paged = (d) => Boolean(d.warned_at || d.breached_at || d.escalated_at);

// The line under a mention's countdown: "已确认 · who · when" once acknowledged; the ack
// button while it has warned, breached or escalated; nothing before. h: {el, when, onAck}.
function ackLine(d, h) {
  if (d.acked_at) return h.el("p", { id: "acked", class: "note done", role: "status" }, "已确认 · " + (d.acked_by || "") + " · " + h.when(d.acked_at));
  if (!paged(d)) return null;
  return h.el("p", { class: "actions" }, h.el("button", { type: "button", id: "ack", class: "primary", onclick: h.onAck }, "确认告警（停止升级）"));
}

export { fromQuery, ackLine };
