"""`tiexin sentiment eval`: metrics, the machine-readable last line, clear data errors."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest

from responder.cli import main
from sentiment.metrics import report


def _csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = ["text,label", *(f'"{text}",{label}' for text, label in rows)]
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_eval_prints_metrics_and_a_last_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _csv(
        tmp_path / "d.csv",
        [
            ("太好用了，超级喜欢", "pos"),
            ("垃圾手机，卡死了，退货", "neg"),
            ("质量很好，物流也快", "pos"),
            ("太差了，再也不买了", "neg"),
        ],
    )
    assert main(["sentiment", "eval", "--data", str(data), "--no-progress"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert re.fullmatch(
        r"accuracy=[01]\.\d{4} macro_f1=[01]\.\d{4} ms_per_text=\d+\.\d{4} n=4", out[-1]
    )
    assert "true \\ predicted" in "\n".join(out)


def test_eval_names_bad_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _csv(tmp_path / "d.csv", [("好", "pos"), ("坏", "bad"), ("还行", "")])
    assert main(["sentiment", "eval", "--data", str(data), str(tmp_path / "none.csv")]) == 2
    err = capsys.readouterr().err
    assert "d.csv: 2 bad rows" in err and "line 3: label must be pos or neg, got 'bad'" in err
    assert "none.csv: cannot read" in err


@pytest.mark.parametrize(
    ("truth", "predicted", "accuracy", "macro_f1"),
    [
        (["pos", "neg"], ["pos", "neg"], 1.0, 1.0),
        (["pos", "neg"], ["neg", "pos"], 0.0, 0.0),
        (["pos", "pos", "pos", "neg"], ["pos", "pos", "pos", "pos"], 0.75, (6 / 7 + 0) / 2),
        (["pos", "pos", "neg", "neg"], ["pos", "neg", "neg", "neg"], 0.75, (2 / 3 + 0.8) / 2),
    ],
)
def test_metrics(truth: list[str], predicted: list[str], accuracy: float, macro_f1: float) -> None:
    result = report(truth, predicted, seconds=0.004)
    assert result.accuracy == pytest.approx(accuracy)
    assert result.macro_f1 == pytest.approx(macro_f1)
    assert result.ms_per_text == pytest.approx(4 / len(truth))


async def test_train_folds_in_agents_corrections(
    tmp_path: Path, redis: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from responder.store.keys import Keys

    url = redis.connection_pool.connection_kwargs["path"]
    keys = Keys("corr")
    samples = [("m0", "这个绿色好难看", "positive"), ("m0", "这个绿色好难看", "negative")]
    samples += [("m1", "客服态度好差", "negative"), ("m9", "嗯", "neutral")]
    for mid, text, label in samples:  # m0 corrected twice: the latest label counts
        sample = json.dumps({"text": text, "label": label})
        await redis.xadd(keys.training, {"mention": mid, "sample": sample})
    config = tmp_path / "config.toml"
    config.write_text(f'[redis]\nurl = "unix://{url}"\nprefix = "corr"\n', "utf-8")
    data = _csv(
        tmp_path / "d.csv",
        [
            ("太好用了，超级喜欢", "pos"),
            ("垃圾手机，卡死了", "neg"),
            ("质量很好", "pos"),
            ("太差了", "neg"),
        ]
        * 3,
    )
    out = tmp_path / "m.tsm.gz"
    args = [
        "sentiment",
        "train",
        "--no-progress",
        "--data",
        f"{data}:2",
        "--include-corrections",
        "--config",
        str(config),
        "--out",
        str(out),
    ]
    assert await asyncio.to_thread(main, args) == 0
    captured = capsys.readouterr()
    assert "corrections from agents: 2" in captured.err
    assert "trained on 6 texts" in captured.out
    from sentiment.linear import LinearScorer

    provenance = LinearScorer(out).header.provenance
    assert provenance["trained_on"]["corrections"] == {"rows": 2, "weight": 3.0}
    assert provenance["trained_on"]["d.csv"]["weight"] == 2.0
