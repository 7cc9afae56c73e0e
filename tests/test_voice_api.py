"""The voice of the customer over HTTP (GET /api/reports/voice, .csv, .md): the demo feed
through the app's own pipeline and the reports' rollup step, read back by a lead; a bad
week is a 400 naming the form, and agents get 403."""

from __future__ import annotations

import csv
import io
from typing import Any

from connectors.model import Author
from responder.pipeline.worker import Pipeline
from responder.services import SERVICES
from tests.conftest import MakeClient
from tests.fakes import FakeClock, mention
from tests.openapi_check import check_answer
from tests.test_voice_week import ZONE, _demo_counted
from tests.workspace import Client, app_of, as_user, feed, mid

WEEK = "2026-W47"  # the fake clock's week (2026-11-20, a Friday, in Shanghai)
LEE = as_user("lee")  # a lead


def _pipeline(client: Client) -> Pipeline:
    pipeline = app_of(client)[SERVICES].pipeline
    assert pipeline is not None
    return pipeline


def _topic(found: dict[str, Any], heading: str) -> dict[str, Any]:
    named = [t for t in found["topics"] if t["heading"] == heading]
    assert named, [t["heading"] for t in found["topics"]]
    topic: dict[str, Any] = named[0]
    return topic


async def test_a_lead_reads_the_demo_weeks_topics_products_and_samples(
    make_client: MakeClient, clock: FakeClock
) -> None:
    client = await make_client("voc")
    pipeline = _pipeline(client)
    await _demo_counted(pipeline.store, pipeline, clock)
    answer = await client.get("/api/reports/voice", headers=LEE)  # this week by default
    assert answer.status == 200, await answer.text()
    found = await answer.json()
    check_answer("get", "/api/reports/voice", 200, found)  # as the description says
    assert found["week"] == WEEK and found["this_week"] == WEEK and found["after"] == "2026-W48"
    assert found["range"] == {"since": "2026-11-16", "until": "2026-11-22", "zone": ZONE}
    assert found["before"] == {
        **{"week": "2026-W46", "since": "2026-11-09", "until": "2026-11-15", "zone": ZONE}
    }
    assert found["complaints"] > 100 and found["total"] >= found["complaints"]
    assert {"起火", "烫伤"} <= set(_topic(found, "危机")["phrases"])  # the charging fire
    assert {"电池", "耗电"} <= set(_topic(found, "续航")["phrases"])  # drain after the update
    assert any(t["heading"].startswith("卡顿") for t in found["topics"][:5])  # lag
    counts = [t["count"] for t in found["topics"]]
    assert counts == sorted(counts, reverse=True) and sum(counts) == found["complaints"]
    for topic in found["topics"]:  # nothing counted the week before: every topic is new
        assert topic["before"] == 0 and topic["rise"] == topic["count"]
        assert topic["rising"] is (topic["count"] >= 2)
    fire = _topic(found, "危机")["samples"]
    assert fire and all(s["link"] == f"/?m={s['id']}" for s in fire)
    said = await (await client.get(f"/api/mentions/{fire[0]['id']}", headers=LEE)).json()
    assert said["text"] == fire[0]["text"]  # the link opens the mention it quotes
    products = {p["product"]: p for p in found["products"]}
    assert products["X7"]["negative"] > products["X7"]["positive"]
    assert products["accessory"]["name"] == "配件"
    asked = await (await client.get(f"/api/reports/voice?week={WEEK}", headers=LEE)).json()
    assert asked["topics"] == found["topics"]
    earlier = await (await client.get("/api/reports/voice?week=2026-W46", headers=LEE)).json()
    check_answer("get", "/api/reports/voice", 200, earlier)
    assert earlier["topics"] == [] and earlier["complaints"] == 0 and earlier["after"] == WEEK
    markdown = await client.get(f"/api/reports/voice.md?week={WEEK}", headers=LEE)
    assert markdown.status == 200 and markdown.content_type == "text/markdown"
    text = await markdown.text()
    assert text.startswith(f"# 客户之声 {WEEK}\n") and "危机" in text


async def test_the_csv_opens_in_excel_with_one_bom_and_formulas_quoted(
    make_client: MakeClient, clock: FakeClock
) -> None:
    client = await make_client("voc")
    loud = Author(id="u9", name="大V", followers=50_000_000)  # quoted first in its topic
    formula = '=HYPERLINK("http://evil.example","X7 又卡了") X7 又卡了，卡死了，烦死了'
    await feed(client, clock, mention("f1", text=formula, author=loud))
    pipeline = _pipeline(client)
    await _demo_counted(pipeline.store, pipeline, clock)
    found = await (await client.get("/api/reports/voice", headers=LEE)).json()
    quoted = [t for t in found["topics"] if t["samples"] and t["samples"][0]["id"] == mid("f1")]
    assert quoted and quoted[0]["samples"][0]["text"] == formula  # the JSON keeps it as said
    answer = await client.get(f"/api/reports/voice.csv?week={WEEK}", headers=LEE)
    assert answer.status == 200 and answer.content_type == "text/csv"
    assert answer.headers["Content-Disposition"] == (
        f'attachment; filename="tiexin-voice-{WEEK}.csv"'
    )
    body = await answer.read()
    assert body.startswith(b"\xef\xbb\xbf") and not body.startswith(b"\xef\xbb\xbf" * 2)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == f"客户之声 {WEEK}" and ZONE in rows[0][1]
    assert rows[1][:6] == ["话题", "意图", "方面", "本周", "上周", "变化"]
    by_name = {row[0]: row for row in rows[2:]}
    assert by_name[quoted[0]["name"]][8].startswith("'=HYPERLINK(")  # Excel will not run it
    assert "起火" in by_name[_topic(found, "危机")["name"]][6]


async def test_a_bad_week_is_a_400_naming_the_form(make_client: MakeClient) -> None:
    client = await make_client("voc")
    for path in ("/api/reports/voice", "/api/reports/voice.csv", "/api/reports/voice.md"):
        for week, says in (
            ("2026-49", "week must look like 2026-W49"),
            ("2026-W54", "no such week"),
            ("0001-W01", "week must be from 1970-W01 to 9998-W52"),
        ):
            answer = await client.get(path, params={"week": week}, headers=LEE)
            assert answer.status == 400, (path, week)
            body = await answer.json()
            check_answer("get", path, 400, body)
            assert body["field"] == "week" and body["error"].startswith(says), body


async def test_agents_get_403_and_strangers_401(make_client: MakeClient) -> None:
    client = await make_client("voc")  # amy, an agent
    for path in ("/api/reports/voice", "/api/reports/voice.csv", "/api/reports/voice.md"):
        answer = await client.get(path)
        assert answer.status == 403, path
        stranger = await client.get(path, headers={"Authorization": "Bearer nobody"})
        assert stranger.status == 401, path
    admin = await client.get("/api/reports/voice", headers=as_user("ada"))
    assert admin.status == 200


async def test_a_weeks_voice_is_read_again_after_a_minute(
    make_client: MakeClient, clock: FakeClock
) -> None:
    """Leads opening the page together share one read; what came in since shows within
    FRESH (60 s) of it."""
    client = await make_client("voc")
    pipeline = _pipeline(client)
    await _demo_counted(pipeline.store, pipeline, clock)
    first = await (await client.get("/api/reports/voice", headers=LEE)).json()
    await feed(client, clock, mention("late1", text="X7 又卡了，卡死了，烦死了"))
    await _demo_counted(pipeline.store, pipeline, clock)  # the rollup step counts it
    clock.advance(59)
    again = await (await client.get("/api/reports/voice", headers=LEE)).json()
    assert again["total"] == first["total"]  # served from the read a minute ago
    clock.advance(1)
    fresh = await (await client.get("/api/reports/voice", headers=LEE)).json()
    assert fresh["total"] > first["total"]
