"""http_json without the network: time formats, cursors, and the commands an admin runs
before starting (`check-config` over a sample, `connectors try`, `connectors list`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from connectors.http_json import HttpJsonConfig, Mapper
from connectors.http_json.config import CursorConfig, FieldsConfig
from connectors.http_json.template import render_body
from connectors.model import clean
from responder.cli import main
from tests.fake_forum import TOKEN, write_config

SAMPLE = Path(__file__).parent / "data" / "forum_sample.json"
BASE = "https://forum.example"


def _mapper(time_format: str = "iso", timezone: str = "Asia/Shanghai", **cursor: Any) -> Mapper:
    fields = FieldsConfig(
        id="id", text="t", author_id="a", created_at="c", time_format=time_format, timezone=timezone
    )
    config = HttpJsonConfig(
        url=f"{BASE}/api",
        platform="forum",
        items="items",
        fields=fields,
        cursor=CursorConfig(param="after", **cursor) if cursor else None,
    )
    return Mapper("forum", config)


@pytest.mark.parametrize(
    ("time_format", "timezone", "value", "expected"),
    [
        ("iso", "Asia/Shanghai", "2026-12-03T09:15:00Z", "2026-12-03T09:15:00"),
        ("iso", "Asia/Shanghai", "2026-12-03T17:15:00+08:00", "2026-12-03T09:15:00"),
        ("iso", "Asia/Shanghai", "2026-12-03 17:15:00", "2026-12-03T09:15:00"),  # naive: zone
        ("iso", "UTC", "2026-12-03 17:15:00", "2026-12-03T17:15:00"),
        ("epoch", "Asia/Shanghai", 1796289300, "2026-12-03T09:15:00"),
        ("epoch", "Asia/Shanghai", "1796289300.5", "2026-12-03T09:15:00.500000"),
        ("epoch_ms", "Asia/Shanghai", 1796289300250, "2026-12-03T09:15:00.250000"),
        ("%Y-%m-%d %H:%M", "Asia/Shanghai", "2026-12-03 17:15", "2026-12-03T09:15:00"),
        ("%Y年%m月%d日 %H:%M", "Asia/Shanghai", "2026年12月03日 17:15", "2026-12-03T09:15:00"),
        ("%d/%m/%Y %H:%M %z", "Asia/Shanghai", "03/12/2026 10:15 +0100", "2026-12-03T09:15:00"),
    ],
)
def test_each_time_format_gives_utc(
    time_format: str, timezone: str, value: object, expected: str
) -> None:
    parsed = _mapper(time_format, timezone).time(value)
    assert parsed.tzinfo is UTC
    assert parsed == datetime.fromisoformat(expected).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("time_format", "value", "words"),
    [
        ("epoch", 1796289300250, "looks like milliseconds"),
        ("epoch_ms", 1796289300, "looks like seconds"),
        ("epoch", True, "expected epoch as a number"),
        ("iso", 1796289300, "expected a time string"),
        ("%Y-%m-%d", "03/12/2026", "does not match format"),
    ],
)
def test_a_time_in_the_wrong_format_says_why(time_format: str, value: object, words: str) -> None:
    with pytest.raises((TypeError, ValueError), match=words):
        _mapper(time_format).time(value)


def test_a_max_of_cursor_compares_numbers_as_numbers_and_never_goes_back() -> None:
    mapper = _mapper(max_of="id")
    items = ({"id": 9}, {"id": 10}, {"id": "8"}, "junk")
    assert mapper.next_cursor({}, items, None) == "10"  # not "9": numbers, not strings
    assert mapper.next_cursor({}, items, "12") == "12"
    assert mapper.next_cursor({}, (), None) is None
    assert _mapper(max_of="t").next_cursor({}, ({"t": "b"}, {"t": "a"}), None) == "b"


@given(st.text(st.characters(exclude_categories=())), st.sampled_from(["7", "42", "-3"]))
@example(text='他说"好"\n\udc80😀𠮷', thread="7")
def test_any_reply_text_gives_valid_raw_utf8_json(text: str, thread: str) -> None:
    """Any text at all, lone surrogates included (JSON allows "\\udc80")."""
    template = json.loads('{"raw": "{text}", "topic": "{thread:int}", "k{id}": ["{author_name}"]}')
    values = {"text": text, "thread": thread, "id": "1", "author_name": text}
    body = render_body(template, values)
    assert json.loads(body) == {"raw": clean(text), "topic": int(thread), "k1": [clean(text)]}
    wide = {ch for ch in clean(text) if ord(ch) > 127}
    assert all(ch.encode("utf-8") in body for ch in wide)  # raw UTF-8, not \u escapes


def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **swaps: str) -> Path:
    monkeypatch.setenv("FORUM_TOKEN", TOKEN)
    extra = f'sample = "{SAMPLE}"\n'
    return write_config(tmp_path, BASE, swaps={"items =": extra + "items =", **swaps})


def test_check_config_maps_the_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config(tmp_path, monkeypatch)
    assert main(["check-config", str(path)]) == 0
    assert "valid (1 connectors: forum)" in capsys.readouterr().out
    wrong = _config(
        tmp_path, monkeypatch, **{'"created"': '"created_at"', '"user.username"': '"user.name"'}
    )
    assert main(["check-config", str(wrong)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"{wrong}: 2 problems",
        '  connectors.forum.fields.created_at: item 0: "created_at" found nothing in the item',
        '  connectors.forum.fields.created_at: item 1: "created_at" found nothing in the item',
    ]  # author_name finds nothing too, but it is optional: the author id stands in


def test_check_config_reports_a_sample_of_the_wrong_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config(tmp_path, monkeypatch, **{'items = "data.posts"': 'items = "data.post"'})
    assert main(["check-config", str(path)]) == 2
    assert (
        'connectors.forum.items: "data.post" is not a list in the response (got nothing)'
        in capsys.readouterr().err
    )


def test_connectors_try_prints_each_mention_on_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config(tmp_path, monkeypatch)
    assert main(["connectors", "try", "forum", "--config", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "2026-12-03 13:15:00Z  forum/5001  comment  thread=88"
        "  @夜猫子小林 (u_1024, 1532 followers)"
        '  "@澜星 X7 Pro 玩游戏十分钟就烫手，这正常吗？😤"  https://forum.example/t/88/5001',
        "2026-12-03 13:20:30Z  forum/5002  comment  thread=88"
        "  @数码老王 (u_77, 88000 followers, verified)"
        '  "同问，我的也是\\n充电时更明显"  https://forum.example/t/88/5002',
    ]
    assert err == "2 mention(s), 0 problem(s); next cursor: 5002\n"
    assert main(["connectors", "try", "forum", "--config", str(path), "--json"]) == 0
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    assert first["id"] == "5001" and first["author"]["name"] == "夜猫子小林"
    assert first["raw"]["user"]["followers"] == 1532 and first["account"] == "forum"


def test_connectors_try_exits_1_when_nothing_maps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config(tmp_path, monkeypatch, **{'text = "body"': 'text = "content"'})
    other = tmp_path / "other.json"
    other.write_text('{"data": {"posts": [{"id": 1, "body": "x"}, 7]}}', encoding="utf-8")
    code = main(["connectors", "try", "forum", "--config", str(path), "--sample", str(other)])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.splitlines() == [
        'rejected  connectors.forum.fields.text: item 0: "content" found nothing in the item',
        "rejected  connectors.forum.items: item 1: expected an object, got a number 7",
        "0 mention(s), 2 problem(s); next cursor: none",
    ]
    assert main(["connectors", "try", "nope", "--config", str(path)]) == 2
    assert "no connector named nope (configured: forum)" in capsys.readouterr().err


def test_connectors_list_shows_name_type_and_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = '[connectors.demo]\ntype = "replay"\nenabled = false\n'
    monkeypatch.setenv("FORUM_TOKEN", TOKEN)
    path = write_config(tmp_path, BASE, extra)
    assert main(["connectors", "list", "--config", str(path)]) == 0
    assert capsys.readouterr().out == "forum\thttp_json\tenabled\ndemo\treplay\tdisabled\n"
    assert main(["connectors", "try", "demo", "--config", str(path)]) == 2
    assert "demo is replay; try works on http_json" in capsys.readouterr().err
