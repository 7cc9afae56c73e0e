"""The voice of the customer on /reports (responder/web/voice.py): the week as JSON, as CSV
for Excel and as Markdown. Leads and admins only."""

from __future__ import annotations

from typing import Any

from responder.web.openapi.common import (
    BOOLEAN,
    INTEGER,
    MENTION_ID_EXAMPLE,
    STRINGS,
    Schema,
    array,
    json_answer,
    obj,
    operation,
    string,
)
from responder.web.openapi.reports import RANGE, TAG, WEEK, WEEK_NAME

COUNT = {**INTEGER, "minimum": 0}
SAMPLE = obj(
    {
        "id": string("提及的编号", pattern="^[0-9a-f]{16}$"),
        "text": string("原话"),
        "product": string("说到的产品（没说到为空）"),
        "sentiment": string("团队看到的情感", enum=["positive", "neutral", "negative"]),
        "link": string("在工作台打开这条提及"),
    }
)
TOPIC = obj(
    {
        "name": string("话题全名：意图 · 方面：前三个关键词"),
        "heading": string("意图 · 方面"),
        "intent": string("意图"),
        "aspect": string("说得不好的方面（没有为空）"),
        "phrases": {**STRINGS, "description": "关键词（jieba TF-IDF，不含品牌和产品名）"},
        "count": COUNT,
        "before": {**COUNT, "description": "上周的数量"},
        "rise": {**INTEGER, "description": "本周减上周"},
        "rising": {**BOOLEAN, "description": "比上周多 2 条及以上"},
        "products": array(obj({"product": string(), "count": COUNT})),
        "samples": array(SAMPLE),
    }
)
FELT = obj(
    {
        "product": string("产品（accessory：配件）"),
        "name": string("页面上的名字"),
        "positive": COUNT,
        "neutral": COUNT,
        "negative": COUNT,
    }
)
VOICE: Schema = obj(
    {
        "week": WEEK_NAME,
        "range": RANGE,
        "before": obj({"week": WEEK_NAME, **RANGE["properties"]}, description="对比的上一周"),
        "after": WEEK_NAME,
        "this_week": WEEK_NAME,
        "generated_at": string(format="date-time"),
        "total": {**COUNT, "description": "这一周收到的提及"},
        "complaints": {**COUNT, "description": "其中的投诉"},
        "topics": {**array(TOPIC), "description": "投诉最多的在前"},
        "products": {**array(FELT), "description": "说到最多的产品在前"},
    }
)
ZONE = "Asia/Shanghai"
EXAMPLE: dict[str, Any] = {
    "week": "2026-W49",
    "range": {"since": "2026-11-30", "until": "2026-12-06", "zone": ZONE},
    "before": {"week": "2026-W48", "since": "2026-11-23", "until": "2026-11-29", "zone": ZONE},
    "after": "2026-W50",
    "this_week": "2026-W50",
    "generated_at": "2026-12-07T01:00:00+00:00",
    "total": 368,
    "complaints": 187,
    "topics": [
        {
            "name": "危机：起火、烫伤、充电器",
            "heading": "危机",
            "intent": "crisis",
            "aspect": "",
            "phrases": ["起火", "烫伤", "充电器"],
            "count": 21,
            "before": 2,
            "rise": 19,
            "rising": True,
            "products": [{"product": "X7 Pro", "count": 5}],
            "samples": [
                {
                    "id": MENTION_ID_EXAMPLE,
                    "text": "@澜星 X7 Pro 充电的时候起火了，手都烫伤了",
                    "product": "X7 Pro",
                    "sentiment": "negative",
                    "link": f"/?m={MENTION_ID_EXAMPLE}",
                }
            ],
        }
    ],
    "products": [
        {"product": "X7", "name": "X7", "positive": 6, "neutral": 23, "negative": 34},
        {"product": "accessory", "name": "配件", "positive": 0, "neutral": 2, "negative": 2},
    ],
}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) of every route this area has."""
    return [
        (
            "/api/reports/voice",
            "get",
            operation(
                "getVoice",
                TAG,
                "一周的客户之声：投诉最多的话题（和上周比）、各产品口碑、每个话题的原话",
                ok=json_answer("客户之声", VOICE, {"week": EXAMPLE}),
                errors=(400, 403),
                params=(WEEK,),
            ),
        ),
        (
            "/api/reports/voice.csv",
            "get",
            operation(
                "getVoiceCsv",
                TAG,
                "客户之声的话题表（CSV，UTF-8 带 BOM，像公式的单元格加引号）",
                ok={"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}},
                errors=(400, 403),
                params=(WEEK,),
            ),
        ),
        (
            "/api/reports/voice.md",
            "get",
            operation(
                "getVoiceMarkdown",
                TAG,
                "客户之声的 Markdown（和告警渠道里的一样）",
                ok={
                    "description": "Markdown",
                    "content": {"text/markdown": {"schema": {"type": "string"}}},
                },
                errors=(400, 403),
                params=(WEEK,),
            ),
        ),
    ]
