"""`tiexin drafts eval`: the per-intent table, the figures and the machine-readable last line."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from responder.cli import main
from tests.test_understand_model import HELD_OUT_LINE

FIGURE = r"(?:[01]\.\d{4}|nan)"
LAST_LINE = re.compile(
    rf"intent macro_f1={FIGURE} crisis_recall={FIGURE} sentiment_acc={FIGURE}"
    rf" reply_needed_f1={FIGURE} role_acc={FIGURE} n=(\d+)"
)


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    return path


def _demo_row(text: str, intent: str, sentiment: str) -> dict[str, Any]:
    return {"platform": "weibo", "text": text, "labels": {"sentiment": sentiment, "intent": intent}}


def _held_out_row(text: str, intent: str, sentiment: str, crisis: bool) -> dict[str, Any]:
    return {
        "id": "h1",
        "platform": "tieba",
        "kind": "post",
        "text": text,
        "intent": intent,
        "secondary": [],
        "sentiment": sentiment,
        "crisis": crisis,
        "crisis_words": [],
    }


def test_eval_prints_the_table_and_a_last_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = _jsonl(
        tmp_path / "demo.jsonl",
        [
            _demo_row("你们的售后网点周末营业吗", "store_appointment", "neutral"),
            _demo_row("手机充电时起火了 床单都烧了", "crisis", "neg"),
        ],
    )
    held = _jsonl(
        tmp_path / "held.jsonl",
        [_held_out_row("Buds 2 降噪绝了 yyds", "praise", "positive", False)],
    )
    assert main(["drafts", "eval", "--data", str(demo), str(held)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    match = LAST_LINE.fullmatch(out[-1])
    assert match and match.group(1) == "3"
    assert out[-1] == (  # these sets label no role and no reply-needed
        "intent macro_f1=1.0000 crisis_recall=1.0000 sentiment_acc=1.0000"
        " reply_needed_f1=nan role_acc=nan n=3"
    )
    assert out[0].split() == ["intent", "precision", "recall", "f1", "n"]
    assert any(line.startswith("crisis ") for line in out)
    assert any("ms per mention" in line for line in out)


def test_eval_defaults_to_the_demo_mentions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drafts", "eval"]) == 0
    match = LAST_LINE.fullmatch(capsys.readouterr().out.strip().splitlines()[-1])
    assert match and int(match.group(1)) > 300


def test_eval_of_the_held_out_set_prints_its_recorded_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["drafts", "eval", "--set", "heldout"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == HELD_OUT_LINE
    shown = {line.split()[0] for line in out[1 : out.index("")]}
    assert {"greeting", "policy_question", "privacy_security", "crisis"} <= shown


def test_eval_names_bad_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _jsonl(tmp_path / "bad.jsonl", [_demo_row("在吗", "small_talk", "neutral")])
    assert main(["drafts", "eval", "--data", str(bad), str(tmp_path / "none.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "bad.jsonl: line 1: ValueError(\"unknown intent 'small_talk'\")" in err
    assert "none.jsonl: cannot read" in err


def test_suggest_json_says_who_speaks_and_whether_an_answer_is_needed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["drafts", "suggest", "--text", "Watch S 充不进电", "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["intent"], out["product"], out["role"]) == ("battery", "Watch S", "customer")
    assert (out["reply_needed"], out["reply_reason"]) == (True, "complaint")
    assert out["uncertain"] is False
    assert 0.5 < out["intent_confidence"] <= 1
    assert all(set(a) == {"aspect", "polarity"} for a in out["aspects"])


def test_train_without_the_train_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)  # as if it were not installed
    monkeypatch.chdir(tmp_path)  # no config.toml here: nothing is opened before the check
    assert main(["drafts", "train"]) == 2
    assert "training needs the train extra" in capsys.readouterr().err
