// 贴心 workspace, crisis incidents: the row's incident badge, which rows stay pinned (the
// server's order: at most `pin_most` incidents, most severe first, then by deadline), the
// detail's incident block with its members, and the lead-only approval note.
// A module that imports nothing; it uses no page state.
// The ids of the rows pinned on top: crises outside any incident (a conversation that
// became one), and the `pinMost` most severe incidents.
function pinned(items, pinMost) {
  const top = items.filter((m) => m.incident).sort((a, b) => (b.incident.severity || 0) - (a.incident.severity || 0)).slice(0, pinMost);
  const ids = new Set(top.map((m) => m.id));
  for (const m of items) if (m.crisis.flag && !m.incident) ids.add(m.id);
  return ids;
}

// The row's badge: "同一事件 4 条 · 总粉丝 382万". h: {el, reach}
function badge(m, h) {
  if (!m.incident || m.incident.size < 2) return null;
  return h.el("span", { class: "badge incident", title: "同一事件的提及合在这一行，打开看全部" }, `同一事件 ${m.incident.size} 条 · 总粉丝 ${h.reach(m.incident.reach)}`);
}

// The detail's block: the incident's size, reach and members (each opens in place).
// h: {el, section, reach, open, label}
function block(d, h) {
  const inc = d.incident;
  if (!inc) return null;
  const who = (m) => `${h.label("platforms", m.platform)} · ${m.name}${m.role ? "（" + h.label("roles", m.role) + "）" : ""}${m.id === inc.lead ? " · 首发" : ""}：${m.text}`;
  const members = (inc.members || []).map((m) => h.el("li", null,
    m.id === d.id ? h.el("strong", null, "当前这条 · " + who(m)) : h.el("button", { type: "button", class: "link member", "data-member": m.id, onclick: () => h.open(m.id) }, who(m))));
  return h.section("同一事件", h.el("p", { class: "meta", id: "incident-summary" }, `共 ${inc.size} 条 · 总粉丝 ${h.reach(inc.reach)}`),
    h.el("ol", { class: "members", id: "incident-members" }, members));
}

// Whether this user may approve (the server says so too: 403 lead_required), and the
// note to show before they press.
function approval(d) {
  const a = d.approval || {};
  return { allowed: a.allowed !== false, reason: a.reason || "" };
}
function note(d, h) {
  const a = approval(d);
  if (a.allowed || !a.reason) return null;
  return h.el("p", { id: "lead-required", class: "note lead-required", role: "status" }, a.reason);
}

// A crisis joins its incident just after it is queued (its row then leaves the queue with a
// `moved` event): reload the list shortly after, so its row folds into its incident's.
let timer = 0;
function reloadSoon(reload) { clearTimeout(timer); timer = setTimeout(reload, 1000); }

export { pinned, badge, block, approval, note, reloadSoon };
