"""The shipped understanding model: pure-Python loading, determinism, held-out figures."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from responder.drafts.understand_eval import evaluate, read_rows
from responder.drafts.understand_model import UNCERTAIN, UnderstandModel, default_model_path
from responder.drafts.understand_train import main as train_main

DATA = Path(__file__).resolve().parent / "data"
# Measured with the shipped file (tests/data/understanding.md, "The learned model"); a
# retrain that falls more than the margin below them fails here.
HELDOUT = {"macro_f1": 0.6908, "role_acc": 0.9346, "reply_needed_f1": 0.9640}
MARGIN = 0.02
WECHAT = {
    "platform": "wechat",
    "kind": "message",
    "author": {"name": "王磊", "followers": 0, "verified": "none"},
    "reply_to": "brand",
}
PURE = """
import json, sys
from responder.drafts.understand_model import UnderstandModel
rows = [json.loads(line) for line in sys.stdin]
model = UnderstandModel()
out = [model.predict(row) for row in rows]
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("sklearn", "numpy", "scipy"))
print(json.dumps({"heavy": heavy, "predictions": [
    [p.intent, p.intent_confidence, p.role, p.reply_needed, p.reply_probability] for p in out
]}))
"""


@pytest.fixture(scope="module")
def model() -> UnderstandModel:
    return UnderstandModel()


@pytest.fixture(scope="module")
def heldout() -> list[dict[str, Any]]:
    return read_rows(DATA / "understanding_heldout.jsonl")


def _row(text: str, context: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {**WECHAT, "context": context or [], "text": text}


def test_the_shipped_model_predicts_without_numpy_or_scikit_learn(
    model: UnderstandModel, heldout: list[dict[str, Any]]
) -> None:
    rows = heldout[:40]
    done = subprocess.run(
        [sys.executable, "-c", PURE],
        input="\n".join(json.dumps(r, ensure_ascii=False) for r in rows),
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(done.stdout)
    assert found["heavy"] == []
    here = [
        [p.intent, p.intent_confidence, p.role, p.reply_needed, p.reply_probability]
        for p in map(model.predict, rows)
    ]
    assert found["predictions"] == here  # the same floats in another process


def test_predictions_are_deterministic(heldout: list[dict[str, Any]]) -> None:
    first, second = UnderstandModel(), UnderstandModel()
    assert [first.predict(r) for r in heldout] == [second.predict(r) for r in heldout]
    assert [first.predict(r) for r in heldout] == [first.predict(r) for r in heldout]


def test_the_shipped_model_keeps_its_held_out_figures(
    model: UnderstandModel, heldout: list[dict[str, Any]]
) -> None:
    result = evaluate(model, heldout)
    assert result.n == 642
    assert result.macro_f1 >= HELDOUT["macro_f1"] - MARGIN
    assert result.role_acc >= HELDOUT["role_acc"] - MARGIN
    assert result.reply_needed_f1 >= HELDOUT["reply_needed_f1"] - MARGIN


def test_a_prediction_ranks_intents_and_flags_low_confidence(model: UnderstandModel) -> None:
    sure = model.predict(_row("你好"))
    assert sure.intent == "greeting" and sure.reply_needed
    earlier = [{"who": "same", "text": "手机充不进电"}, {"who": "brand", "text": "换根线试试"}]
    unsure = model.predict(_row("还是不行", earlier))
    threshold = model.heads["intent"].threshold
    assert unsure.intent_confidence < threshold
    assert unsure.intent == UNCERTAIN and unsure.best_intent == unsure.top_intents[0][0]
    for p in (sure, unsure):
        chances = [chance for _, chance in p.top_intents]
        assert len(chances) == 3 and chances == sorted(chances, reverse=True)
        assert p.intent_confidence == chances[0] and sum(chances) <= 1.0 + 1e-9


def test_context_and_metadata_change_the_reading(model: UnderstandModel) -> None:
    order = "订单号 LX202612010033 什么时候能发货"
    asked = model.predict(_row(order, [{"who": "same", "text": "你好"}]))
    assert asked.intent == "shipping"  # not greeting: the question follows the 你好
    news = model.predict(
        {
            "platform": "weibo",
            "kind": "mention",
            "author": {"name": "南方晚报", "followers": 3_820_000, "verified": "media"},
            "reply_to": None,
            "context": [],
            "text": "【突发】市民反映澜星X7充电时起火，消防已到场处置",
        }
    )
    assert (news.intent, news.role) == ("crisis", "media")
    fan = model.predict(
        {
            "platform": "tieba",
            "kind": "reply",
            "author": {"name": "星星小王子", "followers": 30, "verified": "none"},
            "reply_to": "user",
            "context": [{"who": "other", "text": "X7续航怎么样"}],
            "text": "我用着还行，一天一充没问题",
        }
    )
    assert fan.role == "fan_reply" and not fan.reply_needed


def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.gz"
    with gzip.open(other, "wb") as handle:
        handle.write(b"\x00\x00\x00\x02{}")
    with pytest.raises(ValueError, match="not a tiexin-understand-linear/1 model file"):
        UnderstandModel(other)
    cut = tmp_path / "cut.gz"
    with gzip.open(default_model_path(), "rb") as handle:
        blob = handle.read()
    with gzip.open(cut, "wb") as handle:
        handle.write(blob[:-10])
    with pytest.raises(ValueError, match="truncated"):
        UnderstandModel(cut)


def test_retraining_on_the_training_set_reproduces_the_shipped_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "understand.tum.gz"
    train_main(["--out", str(out)])
    assert out.read_bytes() == default_model_path().read_bytes()
    printed = capsys.readouterr().out.splitlines()
    lines = [line for line in printed if line.startswith("understand ")]
    assert lines[-1] == (
        f"understand macro_f1={HELDOUT['macro_f1']:.4f} role_acc={HELDOUT['role_acc']:.4f}"
        f" reply_needed_f1={HELDOUT['reply_needed_f1']:.4f} n=642"
    )
