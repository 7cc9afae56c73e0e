// 贴心 workspace: the list, the detail, the keys and the live stream. Plain JS, no build.
// Every text node is set with textContent: mention texts are untrusted.
"use strict";
(function () {
  const meta = (n) => document.querySelector(`meta[name="${n}"]`);
  const ME = meta("tiexin-user").content;
  const CSRF = meta("csrf-token").content;
  const WARN_BEFORE = Number(meta("tiexin-warn-before").content) * 1000;
  const PAGE = 200;
  const CLAIM_RENEW_MS = 4 * 60 * 1000; // claims last 5 minutes on the server
  const OPEN = ["queued", "failed"];
  // Every label comes from the server (GET /api/meta): one source for page and API.
  const L = { platforms: {}, kinds: {}, sentiments: {}, intents: {}, states: {}, roles: {}, reasons: {}, aspects: {}, polarities: {}, events: {}, accounts: {}, actors: {} };
  const S = { items: [], total: 0, view: "all", skew: 0, sel: null, detail: null, tz: meta("tiexin-timezone").content, live: false, claimTimer: 0, claimed: null, mustReread: false, notify: false, warned: new Map(), pinMost: 3 };
  const $ = (id) => document.getElementById(id), A = window.tiexinAlerts, R = window.tiexinResend, I = window.tiexinIncidents, U = window.tiexinUnread, UN = window.tiexinUndo, P = window.tiexinPhone, T = window.tiexinTeam, H = window.tiexinHistory;
  const list = $("list"), pane = $("detail");

  // Icons as inline SVG (24x24 paths), so they show without an emoji font.
  const ICONS = {
    calm: "M12 2a10 10 0 1 0 0 20a10 10 0 0 0 0-20zm0 2a8 8 0 1 1 0 16a8 8 0 0 1 0-16zm-1 3v6l5 3 1-1.7-4-2.3V7z",
    warn: "M12 2 1 21h22L12 2zm0 4 8 14H4l8-14zm-1 5v4h2v-4zm0 6v2h2v-2z",
    late: "M12 2a10 10 0 1 0 0 20a10 10 0 0 0 0-20zm-1 5h2v7h-2zm0 9h2v2h-2z",
    done: "M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z",
    lock: "M6 10V8a6 6 0 0 1 12 0v2h1v12H5V10zm2 0h8V8a4 4 0 0 0-8 0z",
  };
  function icon(name) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("aria-hidden", "true"); svg.setAttribute("class", "icon i-" + name);
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path"); path.setAttribute("d", ICONS[name]); svg.append(path);
    return svg;
  }
  function el(tag, attrs, ...kids) {
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

  async function api(method, path, body) {
    const init = { method, credentials: "same-origin", headers: { "X-CSRF-Token": CSRF, Accept: "application/json" } };
    if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    let resp;
    try { resp = await fetch(path, init); } catch (e) { return { status: 0, data: { error: "网络连接失败" } }; }
    if (resp.status === 401) { location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search); }
    let data = {};
    try { data = await resp.json(); } catch (e) { data = {}; }
    return { status: resp.status, data };
  }

  // ---- numbers, times, lengths ----
  function reach(n) {
    const trim = (x) => (x >= 100 ? Math.round(x).toString() : (Math.round(x * 10) / 10).toString());
    if (n >= 1e8) return trim(n / 1e8) + "亿";
    if (n >= 1e4) return trim(n / 1e4) + "万";
    return n.toLocaleString("en-US");
  }
  function duration(ms) {
    const s = Math.floor(Math.abs(ms) / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + "小时" : "") + (h || m ? m + "分" : "") + r + "秒";
  }
  const nowMs = () => Date.now() + S.skew;
  function when(iso) {
    if (!iso) return "";
    const at = typeof iso === "number" ? new Date(iso * 1000) : new Date(iso);
    return new Intl.DateTimeFormat("zh-CN", { timeZone: S.tz, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }).format(at);
  }
  // Weibo's count, as connectors/weibo/length.py: per code point, ASCII counts half, rounded up.
  function weiboLength(text) {
    let ascii = 0, all = 0;
    for (const ch of text) { all += 1; if (ch.codePointAt(0) < 128) ascii += 1; }
    return all - ascii + Math.ceil(ascii / 2);
  }
  function limitOf(m) {
    if (m.platform === "weibo" && m.kind !== "dm") return { max: 140, count: weiboLength, rule: "微博按字计（英文数字算半个）" };
    return null;
  }
  const label = (group, key) => (key && L[group][key]) || key || "";
  // The brand's accounts and the actors of events as the team calls them ([accounts] and
  // the users' display names in config); a process's own name reads as 系统.
  const accountOf = (m) => L.accounts[m.platform + "/" + m.account] || m.account;
  const actorOf = (a) => L.actors[a] || (/-[0-9a-f]{8}(-\d+)?$/.test(a || "") ? "系统（" + a + "）" : a || "");
  const where = (m) => label("platforms", m.platform) + (m.platform === "wechat" ? "" : label("kinds", m.kind));
  const sentimentOf = (m) => m.sentiment.corrected || m.sentiment.label;

  // ---- the list ----
  function countdown(m) {
    if (!OPEN.includes(m.state)) return { cls: "done", text: label("states", m.state) };
    const left = Date.parse(m.deadline) - nowMs();
    if (left < 0) return { cls: "late", text: "已超时 " + duration(left) };
    if (left <= WARN_BEFORE) return { cls: "warn", text: "剩 " + duration(left) };
    return { cls: "calm", text: "剩 " + duration(left) };
  }
  function claimText(m) {
    if (!m.claimed_by || !m.claim_until || Date.parse(m.claim_until) <= nowMs()) return null;
    return m.claimed_by === ME ? "我在处理" : m.claimed_by + " 正在处理";
  }
  function stateText(m) {
    if (m.state === "failed") return "发送失败：" + (m.send_error || "原因未知");
    if (m.state === "queued" || m.state === "no_reply") return null; // no_reply: its own badge
    return label("states", m.state);
  }
  function row(m) {
    const c = countdown(m), claim = claimText(m), st = stateText(m), sent = sentimentOf(m);
    const li = el("li", { class: "row" + (m.crisis.flag ? " crisis" : "") + (m.id === S.sel ? " selected" : ""), "data-id": m.id, "aria-current": m.id === S.sel ? "true" : null, tabindex: "-1", onclick: () => select(m.id, true) },
      el("span", { class: "countdown " + c.cls, "data-deadline": m.deadline }, icon(c.cls), el("span", { class: "left" }, c.text)),
      el("span", { class: "where" }, where(m), el("span", { class: "account" }, " · " + accountOf(m))),
      el("span", { class: "author" }, m.author.name, m.author.verified ? el("span", { class: "verified", title: "认证用户", "aria-label": "认证用户" }, "✔V") : null, el("span", { class: "reach" }, " 粉丝 " + reach(m.author.followers))),
      el("p", { class: "text" }, m.text),
      el("span", { class: "badges" },
        U.isNew(m.id) ? el("span", { class: "badge new" }, "新") : null,
        m.crisis.flag ? el("span", { class: "badge crisis" }, icon("warn"), "危机") : null,
        m.intent && !(m.crisis.flag && m.intent === "crisis") ? el("span", { class: "badge intent" + (m.uncertain ? " uncertain" : "") }, m.uncertain ? "意图不确定（可能是" + label("intents", m.intent) + "）" : label("intents", m.intent)) : null,
        ...understood(m),
        el("span", { class: "badge s-" + sent }, label("sentiments", sent) + (m.sentiment.corrected ? "（已更正）" : "")),
        m.followups ? el("span", { class: "badge" }, "追问 " + m.followups) : null,
        I.badge(m, { el, reach }),
        claim && !m.held_by ? el("span", { class: "badge claim" }, icon("lock"), claim) : null,
        m.held_by ? el("span", { class: "badge held" }, "待发出（" + (m.held_by === ME ? "我" : m.held_by) + "批准）") : null,
        m.send_unknown ? R.badge(m, { el }) : st ? el("span", { class: "badge state st-" + m.state }, st) : null));
    return li;
  }
  // Who is speaking, what they judge, and why no answer is needed (无需回复).
  function understood(m) {
    const out = [];
    if (m.role) out.push(el("span", { class: "badge role r-" + m.role }, label("roles", m.role)));
    for (const a of m.aspects || []) out.push(el("span", { class: "chip p-" + a.polarity, title: "评价：" + label("aspects", a.aspect) }, label("aspects", a.aspect) + " " + label("polarities", a.polarity)));
    if (m.state === "no_reply") out.push(el("span", { class: "badge noreply" }, "无需回复：" + (label("reasons", m.reply_reason) || "其他")));
    return out;
  }
  function renderList() {
    const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest("#list");
    list.replaceChildren(...S.items.map(row));
    $("count").textContent = `${S.items.length} / ${S.total}`;
    $("more").hidden = S.items.length >= S.total;
    $("empty").hidden = S.items.length > 0;
    if (focused) { const r = selectedRow(); if (r) r.focus(); }
  }
  const selectedRow = () => list.querySelector(`[data-id="${S.sel}"]`);
  function sortItems() {
    if (noReplyView()) return S.items.sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at)); // newest first, as served
    const by = $("filter-form").elements.sort.value;
    const key = (m) => by === "priority" && m.priority ? -m.priority.score : Date.parse(m.deadline);
    const pin = I.pinned(S.items, S.pinMost), sev = (m) => (m.incident && m.incident.severity) || 0;
    S.items.sort((a, b) => (pin.has(b.id) - pin.has(a.id)) || (pin.has(a.id) ? sev(b) - sev(a) : 0) || (key(a) - key(b)));
  }
  const noReplyView = () => S.view === "no_reply";
  function query(offset) {
    const form = $("filter-form"), p = new URLSearchParams({ limit: PAGE, offset, sort: form.elements.sort.value });
    if (S.view !== "all") p.set("view", S.view);
    if (noReplyView()) return p;
    for (const n of ["platform", "account", "kind", "intent", "sentiment", "state", "q"]) {
      const v = form.elements[n].value.trim(); if (v && !(n === "state" && v === "manual")) p.set(n, v);
    }
    return p;
  }
  const manualView = () => $("filter-form").elements.state.value === "manual";
  async function loadList(more, reselect) {
    const offset = more ? S.items.length : 0;
    const r = await api("GET", (manualView() ? "/api/manual?" : "/api/queue?") + query(offset));
    if (r.status !== 200) return toast(r.data.error || "队列加载失败");
    S.skew = Date.parse(r.data.now) - Date.now();
    // The server filters; filtering here too keeps a server without filters from showing
    // rows that do not belong in the chosen view.
    const page = manualView() || noReplyView() ? r.data.items : r.data.items.filter(matches);
    S.items = more ? S.items.concat(page) : page;
    S.total = r.data.total;
    // A crisis that appeared since the last load (the polling fallback has no events).
    for (const m of page) if (m.crisis.flag && S.known && !S.known.has(m.id)) alertAgent("🚨 危机提及：" + m.author.name, m.text);
    S.known = new Set([...(S.known || []), ...page.map((m) => m.id)]);
    if (!manualView() && !noReplyView()) sortItems();
    const why = $("noreply-why"); why.hidden = !noReplyView();
    if (noReplyView()) why.textContent = "无需回复的提及不计时、不通知。累计：" + (Object.entries(r.data.reasons || {}).map(([k, n]) => label("reasons", k) + " " + n).join("，") || "暂无");
    renderList();
    const open = S.items.find((m) => m.id === S.sel);
    if (open && S.detail && S.detail.id === open.id && open.followups !== S.detail.followups) { S.mustReread = true; refreshDetail(false); toast("对方又发了新消息"); }
    const gone = !open;
    if (S.items.length && (!S.sel || (reselect && gone))) select(S.items[0].id, false);
  }
  function upsert(item) {
    const i = S.items.findIndex((m) => m.id === item.id);
    const keep = manualView() ? item.state === "manual" : noReplyView() ? item.state === "no_reply" || item.id === S.sel : OPEN.includes(item.state) || item.id === S.sel;
    if (i >= 0 && !keep) { S.items.splice(i, 1); S.total = Math.max(0, S.total - 1); }
    else if (i >= 0) S.items[i] = item;
    else if (keep && item.state !== "joined") { S.items.push(item); S.total += 1; }
    sortItems();
    renderList();
  }
  function remove(id) {
    const i = S.items.findIndex((m) => m.id === id);
    if (i >= 0) { S.items.splice(i, 1); S.total = Math.max(0, S.total - 1); }
    U.seen(id);
    renderList();
  }
  function tick() {
    for (const node of list.querySelectorAll(".row")) {
      const m = S.items.find((x) => x.id === node.dataset.id); if (!m) continue;
      const c = countdown(m), box = node.querySelector(".countdown");
      if (!box.classList.contains(c.cls)) { box.className = "countdown " + c.cls; box.firstChild.replaceWith(icon(c.cls)); }
      box.lastChild.textContent = c.text;
      const was = S.warned.get(m.id); S.warned.set(m.id, c.cls);
      if (was === "calm" && c.cls === "warn") alertAgent("即将超时：" + m.author.name, m.text);
    }
    const shown = $("detail-countdown"); // the open mention's timer runs with the list's
    if (shown && S.detail && S.detail.state !== "no_reply") {
      const c = countdown(S.detail);
      if (!shown.classList.contains(c.cls)) { shown.className = "countdown " + c.cls; shown.firstChild.replaceWith(icon(c.cls)); }
      shown.querySelector(".left").textContent = c.text;
    }
  }

  // ---- the detail ----
  async function select(id, focusRow) {
    if (S.sel !== id) { S.sel = id; S.detail = null; S.claimed = null; clearInterval(S.claimTimer); }
    if (U.isNew(id)) { U.seen(id); patchItem(id, {}); }
    for (const node of list.querySelectorAll(".row")) {
      const on = node.dataset.id === id; node.classList.toggle("selected", on);
      if (on) node.setAttribute("aria-current", "true"); else node.removeAttribute("aria-current");
    }
    const r = selectedRow(); if (r && (focusRow || !P.phone())) { r.scrollIntoView({ block: "nearest" }); if (focusRow) r.focus(); } // a phone's list stays where the agent left it
    await refreshDetail(true);
    if (focusRow && S.detail && S.detail.id === id) P.open(id, false); // a phone shows it full screen
  }
  async function refreshDetail(fresh) {
    const id = S.sel; if (!id) return;
    const r = await api("GET", `/api/mentions/${id}`);
    if (S.sel !== id) return;
    if (r.status !== 200) { toast(r.status === 404 ? "找不到这条提及：可能已处理完并过期" : r.data.error || "加载详情失败"); return; }
    if (fresh) { S.chosen = 0; S.findings = null; S.mustReread = false; S.note = ""; }
    const holder = claimText(r.data); // a colleague's claim shows before anyone types
    if (fresh && holder && r.data.claimed_by !== ME) S.note = r.data.claimed_by + " 正在处理这条，先别重复回复";
    // Follow-ups that arrived while the mention was open are marked 新 until it is reopened.
    S.before = fresh || !S.detail ? null : new Set((S.detail.thread || []).map((t) => t.id));
    S.detail = r.data; renderDetail();
    if (S.restore && S.restore.id === id) { if (S.restore.text && $("reply")) { $("reply").value = S.restore.text; counter(); } S.restore = null; }
    if (fresh) { pane.scrollTop = 0; if (pane.getBoundingClientRect().top < 0) pane.scrollIntoView({ block: "start" }); } // author, platform and timer first
  }
  // Opening a mention only reads it: the agent claims it by showing intent (the first
  // edit, picking a draft, or c), and keeps it while it stays open.
  async function intend() {
    const id = S.sel; if (!id || S.claimed === id || !S.detail || !OPEN.includes(S.detail.state)) return;
    S.claimed = id; clearInterval(S.claimTimer); S.claimTimer = setInterval(claim, CLAIM_RENEW_MS);
    await claim();
  }
  function claimedBy(data) {
    if (data.claimed_by) return data.claimed_by;
    const m = /claimed by (.+)$/.exec(data.error || ""); return m ? m[1] : null;
  }
  async function claim() {
    const id = S.sel; if (!id) return;
    const r = await api("POST", `/api/mentions/${id}/claim`, {});
    if (S.sel !== id) return;
    if (r.status === 200) { S.note = ""; patchItem(id, { claimed_by: r.data.claimed_by, claim_until: r.data.until }); }
    else if (r.status === 409 && claimedBy(r.data)) S.note = claimedBy(r.data) + " 正在处理这条，先别重复回复";
    else if (r.status === 409) S.note = "这条已处理：" + (r.data.error || "");
    else if (r.status !== 200) toast(r.data.error || "认领失败");
    const box = $("claim-note"); if (box) { box.textContent = S.note; box.hidden = !S.note; }
  }
  function patchItem(id, changes) {
    const m = S.items.find((x) => x.id === id); if (!m) return;
    Object.assign(m, changes); const old = list.querySelector(`[data-id="${id}"]`);
    if (old) { const had = document.activeElement === old, fresh = row(m); old.replaceWith(fresh); if (had) fresh.focus(); }
  }
  function section(title, ...kids) { return el("section", { class: "block", "aria-label": title }, el("h3", null, title), ...kids); }
  function renderDetail() {
    const d = S.detail, ta = $("reply"), keep = ta ? { text: ta.value, focus: document.activeElement === ta, a: ta.selectionStart, b: ta.selectionEnd, id: ta.dataset.id } : null;
    const c = countdown(d), sent = sentimentOf(d), open = OPEN.includes(d.state);
    const drafts = d.drafts || [];
    const kids = [
      el("h2", { id: "detail-title" }, where(d), " · ", d.author.name, d.author.verified ? el("span", { class: "verified", "aria-label": "认证用户" }, " ✔V") : null, el("span", { class: "reach" }, " 粉丝 " + reach(d.author.followers))),
      el("p", { class: "countdown " + c.cls, id: "detail-countdown" }, icon(c.cls), el("span", { class: "left" }, c.text), d.state === "no_reply" ? " · 不计时" : [" · 截止 ", when(d.deadline)]),
      A.ackLine(d, { el, when, onAck: ack }),
      el("p", { id: "claim-note", class: "note claim", role: "status", hidden: !S.note }, S.note),
      R.note(d, { el }),
      I.block(d, { el, section, reach, label, open: (id) => select(id, false) }),
      section("原帖", el("blockquote", { class: "post" }, d.text), el("p", { class: "meta" }, "发布于 ", when(d.created_at), " · 账号 ", accountOf(d)),
        d.url && d.url.startsWith("https://") ? el("a", { href: d.url, target: "_blank", rel: "noopener noreferrer" }, "打开原帖") : null),
      (d.thread || []).length ? section("后续消息", el("ol", { class: "thread" }, d.thread.map((t) => el("li", { class: S.before && !S.before.has(t.id) ? "new" : null }, S.before && !S.before.has(t.id) ? el("strong", { class: "badge state" }, "新") : null, el("span", { class: "meta" }, when(t.created_at)), " ", t.text)))) : null,
      el("div", { id: "stale", class: "note stale", role: "alert", hidden: !S.mustReread }, "对方又发了新消息，请先读完上面的后续消息。 ", el("button", { type: "button", id: "reread", onclick: reread }, "我已阅读")),
      section("判断", el("p", { class: "badges" }, d.crisis.flag ? el("span", { class: "badge crisis" }, icon("warn"), "危机：" + d.crisis.words.join("、")) : null,
        el("label", null, "情绪 ", el("select", { id: "fix-sentiment", onchange: (e) => correct("sentiment", e.target.value) }, Object.entries(L.sentiments).map(([k, v]) => el("option", { value: k, selected: k === sent }, v)))),
        " ", el("label", null, "意图 ", el("select", { id: "fix-intent", onchange: (e) => correct("intent", e.target.value) }, intentOptions(d.intent))),
        d.sentiment.cues.length ? el("span", { class: "meta" }, " 线索：" + d.sentiment.cues.join(" · ")) : null),
        el("p", { class: "badges", id: "understood" }, d.uncertain ? el("span", { class: "badge intent uncertain" }, "意图不确定（可能是" + label("intents", d.intent) + "）") : null, ...understood(d))),
      H.block(d, { el, section, when, label, where, accountOf, api, toast, open: (id) => select(id, false), platforms: () => L.platforms }),
    ];
    if (d.window_closed) kids.push(el("p", { class: "note closed", role: "status" }, "已超出平台的回复窗口（微信 48 小时），无法再回复。请换个渠道联系对方，或忽略这条。"));
    const may = d.held_by ? { allowed: false, reason: d.held_by + " 已批准，等待发出" } : I.approval(d);
    if (d.held_by) kids.push(el("p", { class: "note held", role: "status", id: "held-note" }, (d.held_by === ME ? "你" : d.held_by) + " 已批准这条回复，" + when(d.held_until) + " 发出；发出前可以撤销。 ", el("button", { type: "button", id: "undo-open", onclick: () => undoHeld(d.id, "") }, "撤销")));
    if (open) {
      kids.push(section("草稿", drafts.length ? el("ol", { class: "drafts" }, drafts.map((x, i) => el("li", null, el("button", { type: "button", class: "draft", "aria-pressed": String(i === S.chosen), onclick: () => pick(i) }, el("kbd", null, String(i + 1)), " ", x.source === "llm" ? el("span", { class: "badge llm", title: "由模型生成，已过风格和事实检查；发送前请再看一遍" }, "模型") : null, x.source === "llm" ? " " : null, x.text)))) : el("p", { class: "meta" }, "没有草稿，请自己写。")));
      kids.push(section("回复",
        el("label", { for: "reply" }, "回复内容", el("span", { class: "key-hint" }, "（按 e 编辑）")),
        el("textarea", { id: "reply", rows: "4", "data-id": d.id, oninput: () => { counter(); intend(); }, "aria-describedby": "counter" }),
        el("p", { id: "counter", class: "counter", "aria-live": "polite" }),
        el("div", { id: "findings", class: "note findings", role: "alert", hidden: !S.findings }, S.findings ? [el("p", null, "风格检查没通过："), el("ul", null, S.findings.map((f) => el("li", null, f.message + (f.words && f.words.length ? "（" + f.words.join("、") + "）" : "")))),
          el("label", null, el("input", { type: "checkbox", id: "override" }), " 仍然发送（需写原因）"), " ", el("label", null, "原因 ", el("input", { type: "text", id: "override-reason", maxlength: "400" }))] : null),
        el("p", { class: "actions bar" },
          el("button", { type: "button", id: "approve", class: "primary", onclick: approve, disabled: d.window_closed || S.mustReread || !may.allowed, title: may.allowed ? null : may.reason, "aria-describedby": may.allowed ? null : "lead-required", "aria-keyshortcuts": "a Control+Enter" }, "批准发送", el("span", { class: "key-hint" }, " (a)")),
          " ", el("button", { type: "button", id: "dismiss-open", onclick: dismiss, "aria-keyshortcuts": "d" }, "忽略", el("span", { class: "key-hint" }, " (d)"))),
        I.note(d, { el })));
    } else if (d.state === "no_reply") {
      kids.push(el("p", { class: "note noreply", id: "noreply-note" }, "无需回复：" + (label("reasons", d.reply_reason) || "其他") + "。这条不计时，也不会通知值班。"));
      kids.push(el("p", { class: "actions bar" }, el("button", { type: "button", id: "needs-reply", class: "primary", onclick: needsReply }, "需要回复"), el("span", { class: "meta" }, " 移回队列，从现在开始计时")));
    } else {
      kids.push(el("p", { class: "note" }, "状态：" + (stateText(d) || label("states", d.state)) + (d.closed_by ? "（" + d.closed_by + "）" : "")));
      if (d.reply_text) kids.push(section("已批准的回复", el("blockquote", { class: "post", id: "approved-text" }, d.reply_text)));
      if (d.state === "manual") kids.push(el("p", { class: "actions bar" },
        el("button", { type: "button", id: "copy", onclick: () => copy(d.reply_text) }, "复制回复"), " ",
        d.send_url && d.send_url.startsWith("https://") ? el("a", { href: d.send_url, target: "_blank", rel: "noopener noreferrer" }, "去贴吧发布") : null, " ",
        el("button", { type: "button", id: "mark-sent", class: "primary", onclick: markSent }, "标记已发送")));
    }
    kids.push(T.block(d, { el, section, when, actorOf, api, toast, open, refresh: () => refreshDetail(false), handedOff: (id, data) => { patchItem(id, { claimed_by: data.to, claim_until: data.until }); advance(id, true); } }));
    kids.push(section("记录", el("ol", { class: "events" }, (d.events || []).map((ev) => el("li", null, el("time", null, when(ev.at)), " ", label("events", ev.type) || ev.type, R.eventNote(ev), ev.actor ? " · " + actorOf(ev.actor) : "", ev.reason ? "：" + label("reasons", ev.reason) : "", ev.note ? "：" + ev.note : "")))));
    pane.replaceChildren(...kids.filter(Boolean));
    const area = $("reply");
    if (area) {
      if (keep && keep.id === d.id) { area.value = keep.text; if (keep.focus) { area.focus(); area.setSelectionRange(keep.a, keep.b); } }
      else area.value = drafts.length ? drafts[S.chosen].text : "";
      counter();
    }
  }
  function intentOptions(current) {
    const names = Object.assign({}, L.intents); if (current && !names[current]) names[current] = current;
    return Object.entries(names).map(([k, v]) => el("option", { value: k, selected: k === current }, v));
  }
  function counter() {
    const area = $("reply"), out = $("counter"), limit = limitOf(S.detail); if (!area || !out) return;
    if (!limit) { out.textContent = `${[...area.value].length} 字`; out.className = "counter"; return; }
    const left = limit.max - limit.count(area.value);
    out.textContent = left >= 0 ? `还可输入 ${left} 字（共 ${limit.max}，${limit.rule}）` : `超出 ${-left} 字（共 ${limit.max}，${limit.rule}）`;
    out.className = "counter" + (left < 0 ? " over" : "");
  }
  function pick(i) {
    const d = S.detail; if (!d || !d.drafts || i >= d.drafts.length || !$("reply")) return;
    S.chosen = i; $("reply").value = d.drafts[i].text; S.findings = null;
    for (const [n, b] of [...pane.querySelectorAll(".draft")].entries()) b.setAttribute("aria-pressed", String(n === i));
    const f = $("findings"); if (f) f.hidden = true; counter(); intend();
  }
  function reread() { S.mustReread = false; const b = $("approve"); if (b) b.disabled = !!S.detail.window_closed || !I.approval(S.detail).allowed; $("stale").hidden = true; $("reply").focus(); }
  // One approval at a time: a second call while the first waits on the resend dialog
  // would share its answer and post twice (the second then reads "already approved").
  async function approve() {
    if (S.approving) return;
    S.approving = true; document.body.dataset.approving = "1"; // a second approve waits for this one
    try { await approveOnce(); } finally { S.approving = false; delete document.body.dataset.approving; }
  }
  async function approveOnce() {
    const d = S.detail, area = $("reply"); if (!d || !area || !OPEN.includes(d.state)) return;
    if (S.mustReread) { toast("请先阅读对方的新消息，再批准"); $("reread").focus(); return; }
    if (d.window_closed) { toast("已超出回复窗口，不能批准"); return; }
    if (!I.approval(d).allowed) { toast(I.approval(d).reason); return; }
    const body = {}, draft = (d.drafts || [])[S.chosen];
    if (draft) body.draft = S.chosen;
    if (!draft || area.value !== draft.text) body.text = area.value;
    const o = $("override"); if (o && o.checked) { body.override = true; body.override_reason = $("override-reason").value; }
    if (d.seen) body.seen = d.seen;
    if (d.send_unknown) { if (!(await R.confirm($("resend")))) return; body.resend = true; }
    let r = await api("POST", `/api/mentions/${d.id}/approve`, body);
    if (r.status === 409 && r.data.code === "maybe_sent" && !body.resend) { // the page had not heard yet
      d.send_unknown = true; patchItem(d.id, { send_unknown: true }); renderDetail();
      if (!(await R.confirm($("resend")))) return;
      body.resend = true; r = await api("POST", `/api/mentions/${d.id}/approve`, body);
    }
    if (r.status === 200 && r.data.state === "held") { // goes out when the countdown ends, unless undone
      const text = area.value; UN.start(d.id, d.author.name, r.data.held_until, nowMs, () => undoHeld(d.id, text));
      patchItem(d.id, { held_by: ME, held_until: r.data.held_until }); // stays listed until it goes out
      return advance(d.id, true);
    }
    if (r.status === 200) { toast((body.resend ? "已确认重发：" : "已批准：") + d.author.name); return advance(d.id); }
    if (r.status === 422 && r.data.findings) { S.findings = r.data.findings; renderDetail(); $("override").focus(); return; }
    if (r.status === 409 && r.data.code === "stale") { S.mustReread = true; await refreshDetail(false); toast(r.data.error || "对方又发了新消息"); $("reread").focus(); return; }
    if (r.status === 409 && claimedBy(r.data)) return toast(claimedBy(r.data) + " 正在处理这条");
    toast(r.data.error || "批准失败");
  }
  async function undoHeld(id, text) {
    const r = await api("POST", `/api/mentions/${id}/undo`, {});
    if (r.status !== 200) { toast(r.data.error || "撤销失败"); if (r.status === 409) UN.settled(id, r.data.error); return false; }
    S.restore = { id, text }; // back in the editor, as it was approved
    await loadList(false); await select(id, true);
    return true;
  }
  function advance(id, keep) {
    const i = S.items.findIndex((m) => m.id === id); if (!keep) remove(id);
    const rest = S.items.filter((m) => m.id !== id && !m.held_by);
    const next = keep ? rest.find((m) => S.items.indexOf(m) > i) || rest[rest.length - 1] : S.items[Math.min(i, S.items.length - 1)];
    S.sel = null; S.detail = null; S.claimed = null; clearInterval(S.claimTimer);
    const phone = P.toList(); // a phone goes back to the list, not on to the next mention
    if (next && !phone) select(next.id, true); else pane.replaceChildren(el("h2", { id: "detail-title" }, "详情"), el("p", { class: "hint" }, next ? "从列表里选一条提及。" : "全部处理完了。"));
  }
  async function needsReply() {
    const d = S.detail; if (!d || d.state !== "no_reply") return;
    const r = await api("POST", `/api/mentions/${d.id}/needs_reply`, {});
    if (r.status === 200) { toast("已移回队列，从现在开始计时"); advance(d.id); } else toast(r.data.error || "操作失败");
  }
  async function dismiss() {
    const d = S.detail; if (!d || !OPEN.includes(d.state)) return;
    if (!(await R.confirm($("dismiss")))) return;
    const f = $("dismiss-form").elements, reason = [f.why.value, f.note.value.trim()].filter(Boolean).join("：");
    if (f.why.value === "无需回复") { // set aside, not closed: the 无需回复 view can take it back
      const r = await api("POST", `/api/mentions/${d.id}/no_reply`, { reason: "other", note: f.note.value.trim() });
      if (r.status === 200) { toast("已移到“无需回复”"); advance(d.id); } else toast(r.data.error || "操作失败");
      return;
    }
    const r = await api("POST", `/api/mentions/${d.id}/dismiss`, { reason });
    if (r.status === 200) { toast("已忽略"); advance(d.id); } else toast(r.data.error || "忽略失败");
  }
  async function correct(what, value) {
    const d = S.detail, path = `/api/mentions/${d.id}/${what}`;
    const r = await api("POST", path, what === "sentiment" ? { label: value } : { intent: value });
    if (r.status !== 200) { // put the select back to what the server still says
      renderDetail();
      return toast(r.status === 404 && what === "intent" ? "暂时不能更正意图（服务端尚未支持）" : r.data.error || "更正失败");
    }
    const change = what === "sentiment" ? { sentiment: Object.assign({}, d.sentiment, { corrected: value }) } : { intent: value };
    Object.assign(d, change); patchItem(d.id, change); toast("已更正");
  }
  async function ack() {
    const d = S.detail, r = await api("POST", `/api/mentions/${d.id}/ack`, {});
    if (r.status !== 200) return toast(r.data.error || "确认失败");
    toast(r.data.first ? "已确认，不会再升级" : "已由 " + r.data.by + " 确认");
    if (S.detail === d) await refreshDetail(false);
  }
  async function copy(text) {
    try { await navigator.clipboard.writeText(text); toast("已复制"); } catch (e) { toast("复制失败，请手动选择文字"); }
  }
  async function markSent() {
    const d = S.detail, r = await api("POST", `/api/mentions/${d.id}/sent`, {});
    if (r.status === 200) { toast("已标记为已发送"); advance(d.id); } else toast(r.data.error || "标记失败");
  }

  // ---- keys ----
  function move(step) {
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

  // ---- live ----
  function setLive(text, ok) { const p = $("live"); p.textContent = text; p.className = "live " + (ok ? "on" : "off"); }
  function matches(m) {
    const f = $("filter-form").elements, claim = m.claimed_by && Date.parse(m.claim_until || 0) > nowMs();
    const state = f.state.value || "open";
    if (state === "manual" ? m.state !== "manual" : state === "open" ? !OPEN.includes(m.state) : m.state !== state) return false;
    if (S.view === "mine" && m.claimed_by !== ME) return false;
    if (S.view === "unassigned" && claim) return false;
    for (const [n, v] of [["platform", m.platform], ["account", m.account], ["kind", m.kind], ["intent", m.intent], ["sentiment", sentimentOf(m)]]) if (f[n].value && f[n].value !== v) return false;
    return !f.q.value.trim() || m.text.includes(f.q.value.trim()) || m.author.name.includes(f.q.value.trim());
  }
  function onEvent(ev) {
    const item = ev.item;
    if (!item) return remove(ev.id);
    if ((ev.type === "acked" || ev.type === "drafted") && ev.id === S.sel) refreshDetail(false); // drafted: generated drafts came
    if (item.state === "joined") {
      if (item.head === S.sel) { S.mustReread = true; refreshDetail(false); toast("对方又发了新消息"); }
      if (item.head) patchItem(item.head, { followups: ((S.items.find((m) => m.id === item.head) || {}).followups || 0) + 1 });
      return;
    }
    if (ev.id === S.sel && S.detail && !OPEN.includes(item.state) && ev.actor !== ME) { S.detail = Object.assign(S.detail, item); S.note = (actorOf(ev.actor) || "同事") + " 已处理这条：" + label("states", item.state); renderDetail(); }
    if (T.toMe(ev)) { alertAgent("同事转给你：" + item.author.name, item.text); toast(actorOf(ev.actor) + " 把一条提及转给了你"); }
    if (ev.type === "undone" && ev.actor !== ME && UN.has(ev.id)) UN.settled(ev.id, (actorOf(ev.actor) || "同事") + " 撤销了这条回复");
    if (ev.id === S.sel && ev.type === "claimed" && ev.actor !== ME) { S.note = actorOf(ev.actor) + " 正在处理这条，先别重复回复"; const b = $("claim-note"); if (b) { b.textContent = S.note; b.hidden = false; } }
    const known = S.items.some((m) => m.id === item.id), first = !(S.known && S.known.has(item.id));
    if (S.known) S.known.add(item.id);
    const shown = known || (noReplyView() ? item.state === "no_reply" : matches(item));
    if (ev.type === "queued" && first && shown && item.id !== S.sel) U.arrived(item.id);
    if (!OPEN.includes(item.state)) U.seen(item.id);
    if (shown) upsert(item);
    if (ev.type === "queued" && item.crisis && item.crisis.flag && first) alertAgent("🚨 危机提及：" + item.author.name, item.text);
    if (ev.type === "queued" && item.crisis && item.crisis.flag) I.reloadSoon(() => loadList(false, true));
  }
  function connectLive() {
    if (!window.EventSource) return poll();
    const es = new EventSource("/api/live");
    es.addEventListener("open", () => setLive("实时更新中", true));
    es.addEventListener("mention", (msg) => { try { onEvent(JSON.parse(msg.data)); } catch (e) { console.error(e); } });
    es.addEventListener("reset", () => loadList(false));
    es.addEventListener("error", () => {
      if (es.readyState === EventSource.CLOSED) { es.close(); poll(); } else setLive("重新连接中…", false);
    });
  }
  function poll() { // no live stream on this server: refresh the list every 15 s instead
    setLive("每 15 秒刷新", false);
    setInterval(() => { if (!document.hidden) loadList(false); }, 15000);
  }
  function alertAgent(title, body) {
    if (!S.notify) return;
    if (window.Notification && Notification.permission === "granted") new Notification(title, { body, tag: "tiexin" });
    try {
      const ctx = new AudioContext(), osc = ctx.createOscillator(); osc.frequency.value = 880; osc.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.15);
    } catch (e) { /* no sound available */ }
  }
  $("notify").addEventListener("click", async (e) => {
    S.notify = !S.notify; e.target.setAttribute("aria-pressed", String(S.notify));
    e.target.textContent = S.notify ? "提醒已开启" : "开启提醒";
    if (S.notify && window.Notification && Notification.permission === "default") await Notification.requestPermission();
  });

  let toastTimer = 0;
  function toast(text) { const t = $("toast"); t.textContent = text; t.hidden = false; clearTimeout(toastTimer); toastTimer = setTimeout(() => { t.hidden = true; }, 6000); }

  // ---- start ----
  async function loadMeta() {
    const r = await api("GET", "/api/meta");
    if (r.status !== 200) toast("加载标签失败：" + (r.data.error || r.status) + "，页面先显示代码");
    if (r.status === 200) {
      if (r.data.timezone) S.tz = r.data.timezone;
      for (const k of ["intents", "platforms", "kinds", "states", "roles", "aspects", "polarities", "events", "accounts", "actors"]) if (r.data[k]) Object.assign(L[k], r.data[k]);
      if (r.data.reply_reasons) Object.assign(L.reasons, r.data.reply_reasons);
      if (r.data.labels) Object.assign(L.sentiments, r.data.labels);
      if (r.data.user && r.data.user.display) $("me").textContent = r.data.user.display;
      if (r.data.incidents) S.pinMost = r.data.incidents.pin_most;
    }
    for (const sel of document.querySelectorAll("select[data-labels]")) for (const [k, v] of Object.entries(L[sel.dataset.labels])) sel.append(el("option", { value: k }, v));
  }
  function setView(view) { S.view = view; for (const x of document.querySelectorAll("[data-view]")) x.setAttribute("aria-pressed", String(x.dataset.view === view)); }
  for (const b of document.querySelectorAll("[data-view]")) b.addEventListener("click", () => { setView(b.dataset.view); loadList(false, true); });
  let searchTimer = 0;
  $("filter-form").addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(() => loadList(false, true), 250); });
  $("filter-form").addEventListener("submit", (e) => { e.preventDefault(); loadList(false, true); });
  $("more").addEventListener("click", () => loadList(true));
  $("new-cue").addEventListener("click", () => { const id = U.first(S.items); if (id) select(id, true); });
  $("help-open").addEventListener("click", () => $("help").showModal());
  window.tiexin = { weiboLength, reach, duration }; // for the browser tests
  async function start() { // a link may name the view, the filters and a mention to open
    await loadMeta();
    await T.start(api, toast, ME);
    await window.tiexinSnippets.start(api, toast);
    const asked = A.fromQuery($("filter-form"), location.search);
    if (asked.view) setView(asked.view);
    if (asked.mention) S.sel = asked.mention;
    await loadList(false);
    if (asked.mention) { await select(asked.mention, false); if (S.detail && S.detail.id === asked.mention) P.open(asked.mention, true); }
  }
  start().then(connectLive);
  setInterval(tick, 1000);
})();
