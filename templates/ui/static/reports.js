// 贴心 reports page: reads GET /api/reports for the range the page names, fills every
// table (its header comes from the server) and draws the charts with Chart.js (vendored
// under /static/vendor/, loaded before this module as window.Chart). Every figure says its
// range and zone from what the API answers. No inline style: Chart.js sizes its canvas
// through element.style, which the CSP allows.
import { $, el } from "./dom.js";

const TYPES = { breached: "超时", escalated: "升级" };
const BY = { pipeline: "自动判定", agent: "客服标记" };
const COLORS = { ok: "#1a7f37", miss: "#c62828", line: "#0b57d0", soft: "#8ab4f8", grey: "#9aa0a6" };

const pct = (x) => (x === null || x === undefined ? "—" : (Math.round(x * 1000) / 10).toFixed(1) + "%");
function secs(s) {
  if (s === null || s === undefined) return "—";
  const m = Math.floor(s / 60), r = Math.round(s % 60);
  return m ? `${m}分${r ? r + "秒" : ""}` : `${r}秒`;
}
const local = (iso) => (iso ? iso.slice(0, 16).replace("T", " ") : "");
const rangeText = (r) => `（${r.since} 至 ${r.until}，${r.zone}）`;

// How one cell of a table reads (the CSV keeps the raw numbers).
function cell(key, row) {
  const v = row[key];
  if (key === "attainment" || key === "acceptance") return pct(v);
  if (key.endsWith("_s")) return secs(v);
  if (key === "at" || key === "opened") return local(v);
  if (key === "type") return TYPES[v] || v;
  if (key === "by") return BY[v] || v;
  if (key === "hour") return `${String(v).padStart(2, "0")}:00`;
  if (key === "id" && row.link) return el("a", { href: row.link }, v);
  if (Array.isArray(v)) return v.join("、");
  return v === null || v === undefined ? "—" : String(v);
}

function fillTable(section, data) {
  const name = section.dataset.table;
  const figure = data[name];
  if (!figure) return;
  const rows = section.hasAttribute("data-one") ? [figure] : figure.rows;
  const keys = [...section.querySelectorAll("th[data-key]")].map((th) => th.dataset.key);
  const labels = [...section.querySelectorAll("th[data-key]")].map((th) => th.textContent);
  const body = section.querySelector("tbody");
  body.replaceChildren(...(rows.length
    ? rows.map((row) => el("tr", null, keys.map((k, i) => el("td", { "data-label": labels[i] }, cell(k, row)))))
    : [el("tr", null, el("td", { colspan: String(keys.length), class: "meta" }, "这段时间没有数据"))]));
}

function cards(target, items) {
  $(target).replaceChildren(...items.flatMap(([label, value]) => [el("dt", null, label), el("dd", null, value)]));
}

const charts = [];
function chart(id, config) {
  if (!window.Chart) return null; // the library did not load: the tables still show everything
  const made = new window.Chart($(id), {
    ...config,
    options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options },
  });
  charts.push(made);
  return made;
}
const share = { min: 0, max: 1, ticks: { callback: (v) => Math.round(v * 100) + "%" } };

function draw(data) {
  const days = data.sla_by_day.rows;
  chart("c-sla-day", {
    type: "line",
    data: { labels: days.map((r) => r.day.slice(5)), datasets: [{ label: "达标率", data: days.map((r) => r.attainment), borderColor: COLORS.line, spanGaps: true }] },
    options: { scales: { y: share } },
  });
  const hours = data.sla_by_hour.rows;
  chart("c-sla-hour", {
    type: "bar",
    data: { labels: hours.map((r) => `${r.hour}时`), datasets: [
      { label: "按时", data: hours.map((r) => r.ok), backgroundColor: COLORS.ok, stack: "s" },
      { label: "超时", data: hours.map((r) => r.miss), backgroundColor: COLORS.miss, stack: "s" },
    ] },
  });
  const buckets = data.response_time.buckets.filter((b) => b.count);
  chart("c-rt", {
    type: "bar",
    data: { labels: buckets.map((b) => (b.up_to_s === null ? "更久" : "≤" + secs(b.up_to_s))), datasets: [{ label: "回复数", data: buckets.map((b) => b.count), backgroundColor: COLORS.soft }] },
  });
  const volume = data.volume.rows;
  chart("c-volume", {
    data: { labels: volume.map((r) => r.day.slice(5)), datasets: [
      { type: "bar", label: "收到", data: volume.map((r) => r.in), backgroundColor: COLORS.soft },
      { type: "bar", label: "需回复", data: volume.map((r) => r.need), backgroundColor: COLORS.line },
      { type: "line", label: "日终待回复", data: volume.map((r) => r.backlog), borderColor: COLORS.miss, spanGaps: true },
    ] },
  });
}

function render(data) {
  for (const section of document.querySelectorAll("section.figure")) {
    const name = section.dataset.table || section.id.slice(2);
    const figure = data[name];
    const where = section.querySelector(".range");
    if (figure && where) where.textContent = rangeText(figure.range);
    if (section.dataset.table) fillTable(section, data);
  }
  const sla = data.sla, rt = data.response_time;
  cards("sla-cards", [["达标率", pct(sla.attainment)], ["需回复", sla.need], ["按时回复", sla.ok], ["超时", sla.miss]]);
  cards("rt-cards", [["P50", secs(rt.p50_s)], ["P90", secs(rt.p90_s)], ["P99", secs(rt.p99_s)], ["已回复", rt.answered]]);
  draw(data);
}

async function start() {
  const main = $("report");
  const query = new URLSearchParams({ since: main.dataset.since, until: main.dataset.until });
  const status = $("status");
  try {
    const resp = await fetch("/api/reports?" + query, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const data = await resp.json();
    if (!resp.ok) { status.textContent = data.error || "报表读取失败"; return; }
    render(data);
    status.textContent = "报表生成于 " + new Date(data.generated_at).toLocaleString("zh-CN", { timeZone: data.range.zone, hour12: false });
    main.dataset.ready = "1";
  } catch (err) {
    status.textContent = "报表读取失败，请刷新重试";
  }
}
start();
