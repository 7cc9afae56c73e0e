"""`[alerts.channels.NAME]` in config.toml, and `tiexin oncall test NAME` sending a real test
page to a fake webhook receiver over loopback."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from responder.cli import main
from responder.config import ConfigError, load
from tests.fake_robots import HOOK_SECRET, FakeRobots


@pytest.fixture
def robots() -> FakeRobots:
    return FakeRobots(now=lambda: datetime.now(UTC))  # the CLI pages on the real clock


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    return path


async def test_a_test_page_reaches_the_channel(
    tmp_path: Path,
    base: str,
    robots: FakeRobots,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPS_HOOK_SECRET", HOOK_SECRET)
    path = _config(
        tmp_path,
        f'[alerts.channels.ops]\ntype = "webhook"\nurl = "{base}/hook"\n'
        'secret_env = "OPS_HOOK_SECRET"\n',
    )
    assert load(path).alerts.named("ops") is not None
    status = await asyncio.to_thread(main, ["oncall", "--config", str(path), "test", "ops"])
    out = capsys.readouterr().out
    assert status == 0 and out.startswith("ops: sent at ")
    [got] = robots.of("webhook")
    assert json.loads(got.raw)["title"] == "【测试】贴心值班通知"
    status = await asyncio.to_thread(main, ["oncall", "--config", str(path), "test", "dingtalk"])
    assert status == 2 and "no alert channel 'dingtalk' (channels: ops)" in capsys.readouterr().err


async def test_a_test_page_names_who_is_on_call_now(
    tmp_path: Path,
    base: str,
    robots: FakeRobots,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One person in a rotation is on call at any instant: the test page is for them."""
    monkeypatch.setenv("OPS_HOOK_SECRET", HOOK_SECRET)
    path = _config(
        tmp_path,
        f'[alerts.channels.ops]\ntype = "webhook"\nurl = "{base}/hook"\n'
        'secret_env = "OPS_HOOK_SECRET"\n'
        '[[oncall.people]]\nname = "zhao"\ndisplay = "老赵"\nwecom = "ZhaoSan"\n'
        '[[oncall.rotations]]\nname = "all"\npeople = ["zhao"]\nstart = 2026-01-05\n',
    )
    status = await asyncio.to_thread(main, ["oncall", "--config", str(path), "test", "ops"])
    assert status == 0, capsys.readouterr().err
    [got] = robots.of("webhook")
    body = json.loads(got.raw)
    assert body["to"] == [{"name": "zhao", "display": "老赵", "wecom": "ZhaoSan"}]
    assert body["duty"] == "值班：老赵 (zhao)"


async def test_a_refused_test_page_says_why_without_the_secret(
    tmp_path: Path,
    base: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPS_HOOK_SECRET", "not-the-receivers-secret")
    path = _config(
        tmp_path,
        f'[alerts.channels.ops]\ntype = "webhook"\nurl = "{base}/hook"\n'
        'secret_env = "OPS_HOOK_SECRET"\n',
    )
    status = await asyncio.to_thread(main, ["oncall", "--config", str(path), "test", "ops"])
    err = capsys.readouterr().err
    assert status == 1 and "ops: not sent" in err and "not-the-receivers-secret" not in err


def test_channel_config_errors_have_key_paths(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        '[alerts.channels.a]\ntype = "pigeon"\n[alerts.channels.b]\ntype = "webhook"\n'
        'url = "ftp://x"\nsecret_env = "NOPE_UNSET"\n[alerts.other]\nx = 1\n',
    )
    with pytest.raises(ConfigError) as caught:
        load(path)
    problems = caught.value.problems
    assert any(p.startswith('alerts.channels.a.type: must be one of "dingtalk"') for p in problems)
    assert 'alerts.channels.b.secret_env: environment variable "NOPE_UNSET" is not set' in problems
    assert any(p.startswith("alerts.other: unknown key") for p in problems)
