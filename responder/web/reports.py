"""The lead's reports: `GET /api/reports` (every figure as JSON), one CSV per table, and
the `/reports` page. Leads and admins only; ranges are whole days in the team's zone."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from responder.reports.figures import Span, figures
from responder.services import CLOCK, STORE, config_of
from responder.web import voice
from responder.web.audit import csv_response, safe_cells
from responder.web.auth import ROLE_NAMES, Role, csrf_token, current_user, require
from responder.web.common import json_response
from responder.web.pages import render
from responder.web.replies import RULES
from responder.web.validate import ApiError

DEFAULT_DAYS = 7  # the range without since/until: the last week, today included
MAX_DAYS = 400  # as long as the day counters are kept by default
# Every table the page shows and the CSV each exports: its figure and its columns.
TABLES: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "sla": (
        "sla",
        (("need", "需回复"), ("ok", "按时回复"), ("miss", "超时"), ("attainment", "达标率")),
    ),
    "sla_by_day": (
        "sla_by_day",
        (
            ("day", "日期"),
            ("need", "需回复"),
            ("ok", "按时回复"),
            ("miss", "超时"),
            ("attainment", "达标率"),
        ),
    ),
    "sla_by_hour": (
        "sla_by_hour",
        (
            ("hour", "时段"),
            ("need", "需回复"),
            ("ok", "按时回复"),
            ("miss", "超时"),
            ("attainment", "达标率"),
        ),
    ),
    "sla_by_platform": (
        "sla_by_platform",
        (
            ("platform", "平台"),
            ("need", "需回复"),
            ("ok", "按时回复"),
            ("miss", "超时"),
            ("attainment", "达标率"),
        ),
    ),
    "sla_by_account": (
        "sla_by_account",
        (
            ("account", "账号"),
            ("need", "需回复"),
            ("ok", "按时回复"),
            ("miss", "超时"),
            ("attainment", "达标率"),
        ),
    ),
    "sla_by_agent": (
        "sla_by_agent",
        (
            ("agent", "客服"),
            ("answered", "回复"),
            ("ok", "按时"),
            ("late", "超时后回复"),
            ("attainment", "达标率"),
        ),
    ),
    "response_time": (
        "response_time",
        (
            ("answered", "已回复"),
            ("p50_s", "P50（秒）"),
            ("p90_s", "P90（秒）"),
            ("p99_s", "P99（秒）"),
        ),
    ),
    "volume": (
        "volume",
        (
            *(("day", "日期"), ("in", "收到"), ("need", "需回复"), ("no_reply", "无需回复")),
            *(("joined", "并入会话"), ("answered", "已回复"), ("backlog", "待回复（日终）")),
        ),
    ),
    "volume_by_hour": ("volume_by_hour", (("at", "时间"), ("in", "收到"), ("backlog", "待回复"))),
    "breaches": (
        "breaches",
        (
            ("at", "时间"),
            ("type", "类型"),
            ("platform", "平台"),
            ("account", "账号"),
            ("id", "提及ID"),
        ),
    ),
    "incidents": (
        "incidents",
        (
            *(("opened", "开始"), ("product", "产品"), ("hazards", "风险"), ("size", "提及数")),
            *(("reach", "影响人数"), ("first_reply_s", "首次回复（秒）"), ("id", "事件ID")),
        ),
    ),
    "agents": (
        "agents",
        (
            *(
                ("agent", "客服"),
                ("handled", "处理"),
                ("approved", "回复"),
                ("as_is", "直接用草稿"),
            ),
            *(("edited", "改过草稿"), ("written", "自己写"), ("dismissed", "忽略")),
            *(("set_aside", "标为无需回复"), ("median_handling_s", "处理时长中位数（秒）")),
        ),
    ),
    "no_reply": ("no_reply", (("reason", "原因"), ("by", "判定"), ("count", "数量"))),
    "templates": (
        "templates",
        (
            ("template", "模板"),
            ("offered", "提供"),
            ("as_is", "直接用"),
            ("edited", "改后用"),
            ("acceptance", "采用率"),
        ),
    ),
    "knowledge": (
        "knowledge",
        (
            *(("title", "条目"), ("question", "常见问法"), ("offered", "提供")),
            *(("as_is", "直接用"), ("edited", "改后用"), ("written", "自己写")),
            *(("acceptance", "采用率"), ("entry", "条目ID")),
        ),
    ),
    "outbox": (
        "outbox",
        (
            ("sent", "已发出"),
            ("send_failed", "发送失败"),
            ("send_retry", "重试"),
            ("manual", "需手动发"),
            ("marked_sent", "手动已发"),
        ),
    ),
}
ROW_FIGURES = frozenset({"sla", "response_time", "outbox"})  # one row each
TITLES = {
    "sla": "SLA 汇总",
    "sla_by_day": "每日达标率",
    "sla_by_hour": "各时段达标率",
    "sla_by_platform": "各平台达标率",
    "sla_by_account": "各账号达标率",
    "sla_by_agent": "各客服达标率",
    "response_time": "首次回复用时",
    "volume": "每日提及量与积压",
    "volume_by_hour": "每小时提及量与积压",
    "breaches": "超时与升级",
    "incidents": "危机事件",
    "agents": "客服工作量",
    "no_reply": "无需回复的原因",
    "templates": "草稿采用（按模板）",
    "knowledge": "知识库条目采纳率",
    "outbox": "发送结果",
}

routes = web.RouteTableDef()


@routes.get("/api/reports")
async def reports(request: web.Request) -> web.Response:
    """Every figure for `since`..`until` (YYYY-MM-DD in the team's zone, both included;
    default the last 7 days), each naming its range and zone."""
    require(request, Role.LEAD)
    span = span_of(request)
    found = await figures(
        request.app[STORE], span, request.app[CLOCK].now(), titles=_titles(request)
    )
    return json_response(found)


@routes.get("/api/reports/{table}.csv")
async def table_csv(request: web.Request) -> web.Response:
    """One table as CSV for Excel (UTF-8 with a BOM, cells that look like formulas
    quoted), its range and zone on the first line."""
    require(request, Role.LEAD)
    name = request.match_info["table"]
    if name not in TABLES:
        raise ApiError(f"unknown table {name[:64]!r}; one of {', '.join(TABLES)}", status=404)
    span = span_of(request)
    now = request.app[CLOCK].now()
    found = await figures(request.app[STORE], span, now, listed_most=None, titles=_titles(request))
    figure, columns = TABLES[name]
    rows = [found[figure]] if figure in ROW_FIGURES else found[figure]["rows"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(safe_cells((f"{span.since} 至 {span.until}（{span.zone}）",)))
    writer.writerow([header for _, header in columns])
    for row in rows:
        writer.writerow(safe_cells(tuple(_cell(row.get(key)) for key, _ in columns)))
    filename = f"tiexin-{name}-{span.since:%Y%m%d}-{span.until:%Y%m%d}.csv"
    return csv_response(out.getvalue(), filename)


async def page(request: web.Request) -> web.Response:
    """The reports page: the shell and the range; the charts and tables come from
    /api/reports (reports.js). Agents get the forbidden page."""
    user = current_user(request)
    if user.role < Role.LEAD:
        need = f"查看报表需要{ROLE_NAMES[Role.LEAD]}或{ROLE_NAMES[Role.ADMIN]}权限。"
        return render(request, "ui/forbidden.html", status=403, message=need)
    try:
        span, error, status = span_of(request), "", 200
    except ApiError as exc:
        span = _default(request)
        error, status = f"日期有误：{exc.message}", 400
    try:
        week = voice.week_asked(request)
    except ApiError as exc:
        week = voice.this_week(request)
        error, status = f"{error} 周有误：{exc.message}".strip(), 400
    return render(
        request,
        "ui/reports.html",
        status=status,
        csrf=csrf_token(request),
        display=user.display or user.name,
        since=span.since.isoformat(),
        until=span.until.isoformat(),
        timezone=str(span.zone),
        week=week.name,
        error=error,
        tables=[
            {"name": name, "title": TITLES[name], "columns": columns, "one": name in ROW_FIGURES}
            for name, (_, columns) in TABLES.items()
        ],
    )


def span_of(request: web.Request) -> Span:
    """The days asked for (`since`, `until`), checked."""
    default = _default(request)
    until = _day(request.query.get("until"), "until") or default.until
    since = _day(request.query.get("since"), "since") or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        raise ApiError("since must not be after until", field="since")
    if (until - since).days >= MAX_DAYS:
        raise ApiError(f"at most {MAX_DAYS} days at a time", field="since")
    return Span(since=since, until=until, zone=default.zone)


def _titles(request: web.Request) -> dict[str, tuple[str, str]]:
    """Each knowledge-base entry's title and first question, as the team knows it."""
    return request.app[RULES].quotes.titles()


def _default(request: web.Request) -> Span:
    zone = ZoneInfo(config_of(request.app).drafts.timezone)
    today = request.app[CLOCK].now().astimezone(zone).date()
    return Span(since=today - timedelta(days=DEFAULT_DAYS - 1), until=today, zone=zone)


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10]) if len(value) == 10 else _bad(name)
    except ValueError:
        return _bad(name)


def _bad(name: str) -> date:
    raise ApiError(f"{name} must be a date such as 2026-12-03", field=name)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def install(app: web.Application) -> None:
    voice.setup(app)
    app.add_routes(voice.routes)  # before {table}.csv, which voice.csv would match too
    app.add_routes(routes)
    app.router.add_get("/reports", page)
