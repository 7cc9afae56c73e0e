"""Chinese wording of pages: one mention, a group, the group's resolution; and the shared
markdown and plain-text bodies the channels build on."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import timedelta

from responder.alerts.channels.page import Page, Severity
from responder.alerts.people import Person
from responder.drafts.priority import followers_cn
from responder.store.stages import Stage

STAGES = {
    Stage.WARNED: "即将超时",
    Stage.BREACHED: "已超时",
    Stage.ESCALATED: "无人处理·升级",
    Stage.CRISIS: "危机",
}
QUOTE_MAX = 200  # characters of the mention's text quoted in a page; the link has the rest


def duration(span: timedelta) -> str:
    """Render a span the way agents say it: "4分10秒", "50秒", "1小时5分"."""
    seconds = max(0, round(abs(span.total_seconds())))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}小时{minutes}分" if minutes else f"{hours}小时"
    if minutes:
        return f"{minutes}分{secs}秒" if secs else f"{minutes}分"
    return f"{secs}秒"


# A stranger wrote the text: in a robot's markdown or card, `<at id=all></at>` (Feishu),
# `<@userid>` (WeCom) or `[点这里](http://...)` would @ the team or plant a link. Their
# full-width twins read the same to a person and mean nothing to the robot.
DEFUSE = str.maketrans({"<": "＜", ">": "＞"})


def quote(text: str) -> str:
    """The mention's text on one line (a newline would end a markdown quote), shortened by
    characters so an emoji is never split, with markup that would act in a chat defused.
    (Weibo's [怒] stays: only a bracket followed by a link target is changed.)"""
    text = " ".join(text.split()).translate(DEFUSE).replace("](", "]（")
    return text if len(text) <= QUOTE_MAX else text[: QUOTE_MAX - 1] + "…"


def mention_page(
    *,
    key: str,
    stage: Stage,
    source: str,
    platform: str,
    followers: int | None,
    left: timedelta,
    text: str,
    link: str,
    ack_link: str,
    crisis: bool = False,
    to: tuple[Person, ...] = (),
    size: int = 0,
) -> Page:
    """A page about one mention: "【即将超时】微博评论 · 粉丝 382万 · 剩 4分10秒"; about an
    incident of `size` mentions whose authors have `followers` together:
    "【危机】微博@ · 同一事件 4 条 · 总粉丝 382万 · 剩 10分"."""
    label = STAGES[stage]
    if crisis and stage is not Stage.CRISIS:
        label = "危机·" + label
    bits = [f"【{label}】{source}"]
    if size:
        bits.append(f"同一事件 {size} 条")
    if followers is not None:
        bits.append(f"{'总粉丝' if size else '粉丝'} {followers_cn(followers)}")
    bits.append(f"剩 {duration(left)}" if left.total_seconds() > 0 else f"超时 {duration(left)}")
    severity: Severity = "crisis" if crisis or stage is Stage.CRISIS else _severity(stage)
    return Page(
        key=key,
        title=" · ".join(bits),
        lines=(quote(text),) if text else (),
        text=text,
        platform=platform,
        reach=followers,
        left=left,
        link=link,
        ack_link=ack_link,
        severity=severity,
        to=to,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Oldest:
    """The group's most urgent mention, named in the group page."""

    source: str
    text: str
    left: timedelta


def group_page(
    *,
    key: str,
    count: int,
    within: timedelta,
    earliest: Oldest,
    crises: int,
    queue_link: str,
    ack_link: str = "",
    to: tuple[Person, ...] = (),
    stage: Stage = Stage.WARNED,
) -> Page:
    """One page for many mentions at one stage: "12 条将在 5 分钟内超时，最早 2分10秒；含 1
    条危机" (warned), "【已超时】12 条已超时，最早一条超时 1分5秒" (breached), "【无人处理·升级】
    12 条超时无人确认，最早一条超时 5分" (escalated)."""
    minutes = max(1, round(within.total_seconds() / 60))
    first = duration(earliest.left)
    if stage is Stage.WARNED:
        title = f"{count} 条将在 {minutes} 分钟内超时，最早 {first}"
        shown = f"剩 {first}"
    else:
        what = "已超时" if stage is Stage.BREACHED else "超时无人确认"
        title = f"【{STAGES[stage]}】{count} 条{what}，最早一条超时 {first}"
        shown = f"超时 {first}"
    if crises:
        title += f"；含 {crises} 条危机"
    lines = (f"最早：{earliest.source}「{quote(earliest.text)}」（{shown}）",)
    return Page(
        key=key,
        title=title,
        lines=lines,
        text=earliest.text,
        left=earliest.left,
        link=queue_link,
        ack_link=ack_link,
        severity="crisis" if crises else _severity(stage),
        to=to,
    )


def resolved_page(
    *, key: str, count: int, answered: int, slowest: timedelta, queue_link: str = ""
) -> Page:
    """The group's closing summary: "12 条已预警，全部已回复，最慢 13分40秒"."""
    left = count - answered
    done = "全部已回复" if left <= 0 else f"已回复 {answered} 条，{left} 条未回复"
    return Page(
        key=key,
        title=f"{count} 条已预警，{done}，最慢 {duration(slowest)}",
        link=queue_link,
        severity="info",
    )


def _severity(stage: Stage) -> Severity:
    return "breach" if stage in (Stage.BREACHED, Stage.ESCALATED) else "warn"


def markdown(page: Page, *, duty: str = "", links: bool = True) -> str:
    """A markdown body shared by DingTalk and WeCom (each adds its own touches). `duty`,
    the channel's own "值班：…" line, goes right under the title where it is read first."""
    out = [f"### {page.title}", duty]
    out += [f"> {line}" for line in page.lines]
    if links:
        out.append(_links(page, "[{label}]({url})"))
    return "\n\n".join(x for x in out if x)


def plain(page: Page, *, duty: str = "") -> str:
    """The text body of an email."""
    out = [page.title, "", *([duty, ""] if duty else []), *page.lines]
    if page.link:
        out += ["", f"查看：{page.link}"]
    if page.ack_link:
        out.append(f"确认（停止升级）：{page.ack_link}")
    return "\n".join(out) + "\n"


def as_html(page: Page, *, duty: str = "") -> str:
    """The HTML body of an email: the same lines, escaped."""
    esc = html.escape
    lines = "".join(f"<p>{esc(line)}</p>" for line in ((duty,) if duty else ()) + page.lines)
    links = _links(page, '<a href="{url}">{label}</a>', escape=True)
    return f"<html><body><h3>{esc(page.title)}</h3>{lines}<p>{links}</p></body></html>\n"


def _links(page: Page, shape: str, *, escape: bool = False) -> str:
    """The 查看 and 确认 links in `shape`, URLs HTML-escaped when `escape`."""
    pairs = [(label, url) for label, url in (("查看", page.link), ("确认", page.ack_link)) if url]
    return " · ".join(
        shape.format(label=label, url=html.escape(url) if escape else url) for label, url in pairs
    )
