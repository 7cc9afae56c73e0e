"""The lead's reports (responder/web/reports.py): every figure as JSON, one CSV per table
and the page. Leads and admins only."""

from __future__ import annotations

from typing import Any

from responder.web.openapi.common import (
    READ,
    Schema,
    json_answer,
    obj,
    operation,
    path_param,
    query,
    string,
)
from responder.web.openapi.pages import HTML, TO_LOGIN, html_page
from responder.web.reports import TABLES

TAG = "reports"
DAY = string("YYYY-MM-DD，团队时区；含当天", format="date")
RANGE = obj({"since": string(format="date"), "until": string(format="date"), "zone": string()})
# Each figure names its range and zone; what else it holds is in docs/reports.md.
FIGURE: Schema = obj({"range": RANGE}, closed=False)
FIGURES = (
    *("sla", "sla_by_day", "sla_by_hour", "sla_by_platform", "sla_by_account"),
    *("sla_by_agent", "response_time", "volume", "volume_by_hour", "breaches"),
    *("incidents", "agents", "no_reply", "templates", "outbox"),
    "knowledge",
)
REPORTS = obj(
    {"range": RANGE, "generated_at": string(format="date-time"), **dict.fromkeys(FIGURES, FIGURE)}
)
SPAN = {"since": "2026-11-30", "until": "2026-12-06", "zone": "Asia/Shanghai"}
EXAMPLE: dict[str, Any] = {
    "range": SPAN,
    "generated_at": "2026-12-07T01:00:00+00:00",
    **{name: {"range": SPAN, "rows": []} for name in FIGURES},
    "sla": {"range": SPAN, "need": 120, "ok": 114, "miss": 6, "attainment": 0.95},
}
WEEK_NAME = string("ISO 周", pattern="^[0-9]{4}-W[0-9]{2}$")
WEEK = query("week", "ISO 周（周一零点到周日 24 点，团队时区；默认本周）", WEEK_NAME, "2026-W49")
SINCE_UNTIL = (
    query("since", "第一天（默认：到 until 为止的 7 天）", DAY, "2026-11-30"),
    query("until", "最后一天（默认：今天）", DAY, "2026-12-06"),
)


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) of every route this area has."""
    csv = operation(
        "getReportCsv",
        TAG,
        "一张表的 CSV（UTF-8 带 BOM，像公式的单元格加引号；第一行是范围和时区）",
        ok={"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}},
        errors=(400, 403, 404),
        params=(
            path_param("table", "表名：" + "、".join(TABLES), "sla_by_day", "^[a-z_]+$"),
            *SINCE_UNTIL,
        ),
    )
    return [
        (
            "/api/reports",
            "get",
            operation(
                "getReports",
                TAG,
                "报表的全部数字（每项注明范围和时区）",
                ok=json_answer("报表", REPORTS, {"week": EXAMPLE}),
                errors=(400, 403),
                params=SINCE_UNTIL,
            ),
        ),
        ("/api/reports/{table}.csv", "get", csv),
        (
            "/reports",
            "get",
            html_page(
                "getReportsPage",
                "pages",
                "报表页，含客户之声（组长、管理员；客服得到 403 页）",
                READ,
                parameters=[*SINCE_UNTIL, WEEK],
                responses={
                    **TO_LOGIN,
                    "400": {"description": "日期或周有误（页面上说明）", "content": HTML},
                    "403": {"description": "需要组长权限", "content": HTML},
                },
            ),
        ),
    ]
