"""Chinese wording of the monitor's pages (alerts stream entries with `subject` instead of
`mention`): an auth failure, a source down, the pipeline behind, their recovery, a spike
and the weekly digest (which brings its own words and link)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from responder.alerts.channels.page import Page, Severity
from responder.alerts.channels.text import duration
from responder.store.source_health import Health
from responder.web.labels import PLATFORMS

TITLE_REASON_MAX = 80  # the reason in a title; the body line has all of it
STATES: dict[str, str] = {  # a source's state as a page says it
    Health.DOWN: "无法访问",
    Health.ERROR: "拉取出错",
    Health.RATE_LIMITED: "被平台限流",
    Health.STALLED: "拉取停滞（持有租约的进程已停止）",
}


def system_page(fields: dict[str, str], *, link: str) -> Page:
    """The page for one monitor entry: "【授权失效】微博 · brand_weibo：…，需要管理员重新授权"."""
    detail: dict[str, Any] = json.loads(fields.get("detail") or "{}")
    stage = fields.get("stage", "")
    at = float(fields.get("at") or 0)
    since = float(detail.get("since") or at)
    if stage == "auth_failed":
        title, lines, severity = _auth_failed(detail)
    elif stage == "source_down":
        title, lines, severity = _source_down(detail, timedelta(seconds=at - since))
    elif stage == "pipeline_lag":
        title, lines, severity = _lag(detail)
    elif stage == "recovered":
        title, lines, severity = _recovered(fields.get("subject", ""), detail)
    elif stage == "spike":
        title, lines, severity = _spike(detail)
    elif stage == "digest":  # the week's voice of the customer (responder/voice/watch.py)
        title, lines, severity = str(detail.get("title", "")), list(detail.get("lines", [])), "info"
    else:
        title, lines, severity = f"【系统告警】{fields.get('subject', '')} · {stage}", [], "breach"
    return Page(
        key=fields.get("key", ""),
        title=title,
        lines=tuple(lines),
        platform=str(detail.get("platform", "")),
        link=str(detail.get("link") or link),
        severity=severity,
    )


Wording = tuple[str, list[str], Severity]


def _auth_failed(detail: dict[str, Any]) -> Wording:
    reason = str(detail.get("reason") or "平台拒绝了凭据")
    title = f"【授权失效】{_source(detail)}：{_short(reason)}，需要管理员重新授权"
    return title, [f"原因：{reason}", "该数据源已停止拉取，重新授权并重启后恢复。"], "crisis"


def _source_down(detail: dict[str, Any], span: timedelta) -> Wording:
    state = STATES.get(str(detail.get("state", "")), "无法拉取")
    title = f"【数据源中断】{_source(detail)} 已 {duration(span)} 无法拉取"
    lines = [f"状态：{state}"]
    if detail.get("reason"):
        lines.append(f"原因：{detail['reason']}")
    if detail.get("threshold_s"):
        lines.append(f"阈值：中断超过 {duration(timedelta(seconds=detail['threshold_s']))} 即告警")
    return title, lines, "breach"


def _lag(detail: dict[str, Any]) -> Wording:
    lag = timedelta(seconds=float(detail.get("lag_s") or 0))
    title = f"【处理积压】最早一条已等待 {duration(lag)}"
    lines = [f"待处理 {int(detail.get('waiting') or 0)} 条，新消息未能及时进入队列。"]
    if detail.get("source"):
        lines.append(f"最早一条来自：{detail['source']}")
    return title, lines, "breach"


def _spike(detail: dict[str, Any]) -> Wording:
    """A topic or hazard far above its usual level (responder/voice/spikes.py), with what
    people said."""
    window = duration(timedelta(minutes=float(detail.get("window_min") or 60)))
    usual = float(detail.get("usual") or 0)
    title = f"【话题激增】{detail.get('name', '')} · 近 {window} {int(detail.get('count') or 0)} 条"
    lines = [f"平时同一时段约 {usual:g} 条。"]
    for said in detail.get("samples") or ():
        lines.append(f"「{_short(str(said.get('text', '')))}」 {said.get('link', '')}".rstrip())
    return title, lines, "breach"


def _recovered(subject: str, detail: dict[str, Any]) -> Wording:
    lasted = duration(timedelta(seconds=float(detail.get("lasted_s") or 0)))
    if subject.startswith("source:"):
        what = "授权已恢复" if detail.get("was") == "auth_failed" else "数据源已恢复"
        return f"【已恢复】{_source(detail)} · 中断 {lasted}", [what], "info"
    return f"【已恢复】处理积压已消除 · 持续 {lasted}", [], "info"


def _source(detail: dict[str, Any]) -> str:
    platform = str(detail.get("platform", ""))
    name = PLATFORMS.get(platform, platform)
    account = str(detail.get("account") or detail.get("connector") or "")
    return " · ".join(x for x in (name, account) if x)


def _short(reason: str) -> str:
    return reason if len(reason) <= TITLE_REASON_MAX else reason[: TITLE_REASON_MAX - 1] + "…"
