// 贴心 reports page, the voice of the customer: reads GET /api/reports/voice for the week
// the picker names, fills the topics, the products (a stacked bar by the vendored
// Chart.js, and a table) and each topic's sample mentions, which link to the workspace.
// The previous and next weeks come from the API (no ISO-week arithmetic here); switching
// weeks reloads only this section and puts ?week= in the address. Every text is set as
// text: what people wrote is untrusted.
import { $, el } from "./dom.js";

const FELT = [["positive", "正面", "#1a7f37"], ["neutral", "中性", "#9aa0a6"], ["negative", "负面", "#c62828"]];
const TOPICS = 10; // the table and the samples show the most complained-of ten

const section = $("voice");
const form = $("week-form");
const input = $("week");
const status = $("voice-status");
const rangeText = (r) => `（${r.since} 至 ${r.until}，${r.zone}）`;
const signed = (n) => (n > 0 ? "+" + n : String(n));
let chart = null;
let current = null;

function topicRow(t) {
  const change = el("td", { "data-label": "变化", class: t.rising ? "rising" : null }, signed(t.rise));
  if (t.rising) change.append(" ", el("strong", { class: "badge rise" }, "上升"));
  return el("tr", { "data-intent": t.intent, class: t.rising ? "rising" : null },
    el("th", { scope: "row", "data-label": "话题" }, t.heading),
    el("td", { "data-label": "关键词", class: "phrases" }, t.phrases.join("、") || "—"),
    el("td", { "data-label": "本周" }, String(t.count)),
    el("td", { "data-label": "上周" }, String(t.before)),
    change);
}

function samples(t) {
  const items = t.samples.map((s) => el("li", null, el("a", { href: s.link, "data-id": s.id }, s.text)));
  return el("section", { class: "topic", "data-intent": t.intent, "aria-label": t.heading },
    el("h4", null, t.heading, el("span", { class: "meta" }, ` · 本周 ${t.count} 条`)),
    items.length ? el("ul", null, items) : el("p", { class: "meta" }, "这一周的原话已过期，只剩计数"));
}

function products(list) {
  const box = $("c-voice-products");
  box.parentElement.hidden = !list.length;
  box.parentElement.style.height = 64 + list.length * 30 + "px"; // a bar a product
  if (chart) { chart.destroy(); chart = null; }
  if (window.Chart && list.length) {
    chart = new window.Chart(box, {
      type: "bar",
      data: { labels: list.map((p) => p.name), datasets: FELT.map(([key, label, color]) => ({ label, data: list.map((p) => p[key]), backgroundColor: color, stack: "s" })) },
      options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false, scales: { x: { stacked: true, ticks: { precision: 0 } }, y: { stacked: true } } },
    });
  }
  $("v-products").querySelector("tbody").replaceChildren(...(list.length
    ? list.map((p) => el("tr", null, el("th", { scope: "row" }, p.name), FELT.map(([key, label]) => el("td", { "data-label": label }, String(p[key])))))
    : [el("tr", null, el("td", { colspan: "4", class: "meta" }, "这一周没有说到产品的提及"))]));
}

function render(data) {
  for (const where of section.querySelectorAll(".when")) where.textContent = rangeText(data.range);
  const top = data.topics.slice(0, TOPICS);
  $("v-topics").querySelector("tbody").replaceChildren(...(top.length
    ? top.map(topicRow)
    : [el("tr", null, el("td", { colspan: "5", class: "meta" }, "这一周没有投诉"))]));
  products(data.products);
  $("v-samples").querySelector(".samples").replaceChildren(...(top.length
    ? top.map(samples)
    : [el("p", { class: "meta" }, "这一周没有投诉")]));
  status.textContent = `${data.week}：共 ${data.total} 条提及，其中投诉 ${data.complaints} 条；上周（${data.before.week}，${data.before.since} 至 ${data.before.until}）作对比。`;
}

function links(week) {
  const q = "?week=" + encodeURIComponent(week);
  $("voice-csv").href = "/api/reports/voice.csv" + q;
  $("voice-md").href = "/api/reports/voice.md" + q;
  const kept = document.querySelector('#range-form input[name="week"]');
  if (kept) kept.value = week; // the date range form keeps the week
  const address = new URL(location.href);
  address.searchParams.set("week", week);
  history.replaceState(null, "", address);
}

async function load(week) {
  $("week-before").disabled = $("week-after").disabled = true;
  status.textContent = "正在读取客户之声…";
  delete section.dataset.ready;
  try {
    const resp = await fetch("/api/reports/voice?week=" + encodeURIComponent(week), { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const data = await resp.json();
    if (!resp.ok) {
      status.textContent = "周有误：" + (data.error || "读取失败");
      if (current) $("week-before").disabled = $("week-after").disabled = false;
      return;
    }
    current = data;
    input.value = data.week;
    section.dataset.week = data.week;
    render(data);
    links(data.week);
    $("week-before").disabled = false;
    $("week-after").disabled = data.week >= data.this_week; // no report of weeks to come
    section.dataset.ready = "1";
  } catch (err) {
    status.textContent = "客户之声读取失败，请刷新重试";
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (input.value) load(input.value);
});
$("week-before").addEventListener("click", () => current && load(current.before.week));
$("week-after").addEventListener("click", () => current && load(current.after));
load(section.dataset.week);
