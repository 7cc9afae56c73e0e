"""The voice of the customer as people read it: Markdown (the digest and the command
line), CSV (Excel: UTF-8 with a BOM) and HTML (Jinja2, escaped), each naming its week,
its dates and the zone they are in."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from responder.cells import safe_cells
from responder.voice.topics import Topic, Voice

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
YEARS = (1970, 9998)
LABELS = {"positive": "正面", "neutral": "中性", "negative": "负面"}
PRODUCTS = {"accessory": "配件"}  # what the understanding says when no product is named


@dataclass(frozen=True, slots=True)
class Week:
    """An ISO week (Monday to Sunday) in the team's zone."""

    name: str  # 2026-W49
    start: datetime  # Monday 00:00 in the zone
    zone: str

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=7)

    @property
    def before(self) -> Week:
        return week_of(self.start.date() - timedelta(days=7), self.zone)

    @property
    def span(self) -> str:
        last = self.end.date() - timedelta(days=1)
        return f"{self.start:%Y年%m月%d日}–{last:%m月%d日}（{self.zone}）"


def parse_week(text: str, zone: str) -> Week:
    """`2026-W49` as a Week; ValueError naming the form for anything else."""
    found = WEEK.match(text.strip())
    if not found:
        raise ValueError(f"week must look like 2026-W49, not {text!r}")
    if not YEARS[0] <= int(found[1]) <= YEARS[1]:  # the week before and after stay dates
        raise ValueError(f"week must be from {YEARS[0]}-W01 to {YEARS[1]}-W52, not {text!r}")
    try:
        monday = date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError as exc:
        raise ValueError(f"no such week: {text!r}") from exc
    return week_of(monday, zone)


def week_of(day: date, zone: str) -> Week:
    """The ISO week `day` falls in."""
    year, number, weekday = day.isocalendar()
    monday = day - timedelta(days=weekday - 1)
    start = datetime.combine(monday, time(), ZoneInfo(zone))
    return Week(name=f"{year}-W{number:02d}", start=start, zone=zone)


def markdown(voice: Voice, week: Week) -> str:
    """The report in Markdown, as the alert channels (DingTalk, WeCom, Feishu) show it."""
    lines = [
        f"# 客户之声 {week.name}",
        f"{week.span} · 共 {voice.total} 条提及，其中投诉 {voice.complaints} 条",
        "",
        "## 投诉最多的话题",
        "",
        "| # | 话题 | 本周 | 上周 | 变化 |",
        "|---|---|---|---|---|",
    ]
    for n, topic in enumerate(voice.topics[:10], 1):
        lines.append(
            f"| {n} | {_cell(topic.name)} | {topic.count} | {topic.before} | {_rise(topic)} |"
        )
    grown = voice.rising()
    lines += ["", "## 比上周明显增多", ""]
    lines += [f"- {t.name}：{t.before} → {t.count}" for t in grown[:5]] or ["- 没有明显增多的话题"]
    lines += ["", "## 各产品口碑", "", "| 产品 | 正面 | 中性 | 负面 |", "|---|---|---|---|"]
    for product, felt in voice.products.items():
        counts = " | ".join(str(felt.get(k, 0)) for k in LABELS)
        lines.append(f"| {_cell(PRODUCTS.get(product, product))} | {counts} |")
    lines += ["", "## 原话摘录", ""]
    for topic in voice.topics[:5]:
        lines.append(f"**{topic.name}**")
        lines += [f"> {_cell(s.text)}" for s in topic.samples]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def csv_text(voice: Voice, week: Week) -> str:
    """The topics as CSV for Excel (a BOM, then one row a topic; formulas defused)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([f"客户之声 {week.name}", week.span])
    writer.writerow(["话题", "意图", "方面", "本周", "上周", "变化", "关键词", "产品", "原话"])
    for t in voice.topics:
        products = "、".join(f"{p} {n}" for p, n in t.products)
        said = " / ".join(s.text for s in t.samples)
        row = [t.name, t.intent, t.aspect, t.count, t.before, t.rise, "、".join(t.phrases)]
        writer.writerow(safe_cells(tuple(str(v) for v in (*row, products, said))))
    return out.getvalue()


def html(voice: Voice, week: Week) -> str:
    """The report as a page of its own (escaped: what people wrote is untrusted)."""
    env = Environment(
        loader=PackageLoader("templates", "voice"), autoescape=True, undefined=StrictUndefined
    )
    return env.get_template("voice.html").render(
        voice=voice, week=week, labels=LABELS, products=PRODUCTS
    )


def _rise(topic: Topic) -> str:
    return f"+{topic.rise}" if topic.rise > 0 else str(topic.rise)


def _cell(text: str) -> str:
    """One line, no table breaks: a Markdown cell or quote."""
    return " ".join(text.split()).replace("|", "｜")


DIGEST_TOPICS = 5  # topics a digest lists; the page and the report have the rest
DIGEST_QUOTE = 40  # characters of one sample quoted under a topic


def digest(voice: Voice, week: Week) -> tuple[str, list[str]]:
    """The weekly digest for a chat robot: a title and short lines, no tables (DingTalk and
    WeCom markdown draw none), well within WeCom's 4,096 bytes."""
    title = f"【客户之声】{week.name} 周报"
    lines = [f"{week.span} · 共 {voice.total} 条提及，其中投诉 {voice.complaints} 条"]
    if voice.topics:
        lines.append("投诉最多的话题：")
    for n, topic in enumerate(voice.topics[:DIGEST_TOPICS], 1):
        line = f"{n}. {_cell(topic.name)} — {topic.count} 条（上周 {topic.before}，{_rise(topic)}）"
        lines.append(line)
        if topic.samples:
            said = _cell(topic.samples[0].text)
            lines.append(f"　「{said[:DIGEST_QUOTE]}{'…' if len(said) > DIGEST_QUOTE else ''}」")
    grown = voice.rising()[:3]
    if grown:
        lines.append(
            "比上周明显增多：" + "；".join(f"{t.name} {t.before}→{t.count}" for t in grown)
        )
    felt = []
    for product, counts in list(voice.products.items())[:5]:
        shown = " / ".join(f"{LABELS[k]} {counts.get(k, 0)}" for k in LABELS)
        felt.append(f"{PRODUCTS.get(product, product)}：{shown}")
    if felt:
        lines.append("各产品口碑：" + "；".join(felt))
    return title, lines
