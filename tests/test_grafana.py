"""The shipped Grafana dashboard (docs/grafana/tiexin.json) asks only for metrics and labels
that /metrics exports, and speaks Chinese."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from responder.metrics import Metrics, State

DASHBOARD = Path(__file__).resolve().parent.parent / "docs" / "grafana" / "tiexin.json"
NAME = re.compile(r"\btiexin_[a-z0-9_]+")
BY = re.compile(r"\bby\s*\(([^)]*)\)")
CJK = re.compile(r"[\u4e00-\u9fff]")


def exported() -> tuple[set[str], set[str]]:
    """Every sample name and label name a process exports once each thing has happened."""
    metrics = Metrics()
    metrics.ingested([("weibo", "lanxing")])
    metrics.first_response(900.0)
    metrics.breaches(1)
    metrics.outbox("sent")
    metrics.page("hook", "sent")
    metrics.request("/api/queue", "GET", 0.01)
    body, _ = metrics.render(State(queue_depth=1, oldest_waiting_s=2.0, pipeline_lag_s=0.0))
    names, labels = set[str](), set[str]()
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            names.add(sample.name)
            labels.update(sample.labels)
    return names, labels


def panels() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(DASHBOARD.read_text("utf-8"))["panels"]
    return found


def test_every_expression_names_only_metrics_we_export() -> None:
    names, labels = exported()
    exprs = [t["expr"] for p in panels() for t in p["targets"]]
    assert len(exprs) >= 10
    used = {n for e in exprs for n in NAME.findall(e)}
    assert used <= names, f"not exported: {sorted(used - names)}"
    grouped = {g.strip() for e in exprs for by in BY.findall(e) for g in by.split(",")}
    assert grouped <= labels, f"labels not exported: {sorted(grouped - labels)}"
    for expr in exprs:
        assert expr.count("(") == expr.count(")"), expr


def test_it_shows_what_the_issue_asks_for() -> None:
    names = {n for p in panels() for t in p["targets"] for n in NAME.findall(t["expr"])}
    for wanted in (
        "tiexin_queue_depth",
        "tiexin_oldest_waiting_seconds",
        "tiexin_first_response_seconds_bucket",
        "tiexin_sla_breaches_total",
        "tiexin_mentions_ingested_total",
        "tiexin_outbox_results_total",
        "tiexin_pages_total",
        "tiexin_http_request_seconds_bucket",
    ):
        assert wanted in names
    quantiles = " ".join(t["expr"] for p in panels() for t in p["targets"])
    for q in ("0.5", "0.9", "0.99"):
        assert f"histogram_quantile({q}, sum by (le) (rate(tiexin_first_response" in quantiles


def test_panel_titles_are_chinese_and_ids_unique() -> None:
    board = json.loads(DASHBOARD.read_text("utf-8"))
    assert CJK.search(board["title"]) and board["timezone"] == "Asia/Shanghai"
    assert all(CJK.search(p["title"]) for p in panels())
    ids = [p["id"] for p in panels()]
    assert len(ids) == len(set(ids))
