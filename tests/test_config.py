"""Config: every broken file in tests/configs/bad reports exactly its expected problems."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from responder.cli import main
from responder.config import ConfigError, defaults, load
from responder.schema import format_duration, parse_duration

ROOT = Path(__file__).resolve().parent.parent
BAD = sorted((ROOT / "tests" / "configs" / "bad").glob("*.toml"))


def _expected(path: Path) -> list[str]:
    prefix = "# expect: "
    lines = path.read_text("utf-8").splitlines()
    here = str(path.parent)
    return [
        line[len(prefix) :].replace("{here}", here) for line in lines if line.startswith(prefix)
    ]


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_broken_config_reports_every_problem_with_its_path(path: Path) -> None:
    expected = _expected(path)
    assert expected, f"{path.name} has no '# expect:' lines"
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert sorted(caught.value.problems) == sorted(expected)
    assert str(caught.value).startswith(f"{path}: {len(expected)} problem")


def test_shipped_config_is_valid() -> None:
    config = load(ROOT / "config.toml")
    assert [c.type for c in config.connectors] == ["replay"]
    assert config.redis.url is None  # embedded Redis by default
    assert config.server.host == "127.0.0.1" and config.server.port == 8080


def test_relative_paths_are_resolved_against_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "f.jsonl").write_text("", "utf-8")
    (tmp_path / "c.toml").write_text(
        '[redis]\ndata_dir = "var"\n[connectors.r]\ntype = "replay"\npath = "f.jsonl"\n'
    )
    config = load(tmp_path / "c.toml")
    assert config.redis.data_dir == tmp_path / "var"
    assert config.connectors[0].options.path == tmp_path / "f.jsonl"


def test_sla_overrides_pick_the_most_specific_rule(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text(
        '[sla]\noverrides = [\n{ platform = "weibo", account = "vip", respond_within = "5m",'
        ' warn_after = "2m" },\n'
        '  { platform = "weibo", respond_within = "20m" }]\n'
    )
    sla = load(tmp_path / "c.toml").sla
    assert sla.for_account("weibo", "vip") == (timedelta(minutes=5), timedelta(minutes=2))
    assert sla.for_account("weibo", "other") == (timedelta(minutes=20), timedelta(minutes=10))
    assert sla.for_account("tieba", "vip") == (timedelta(minutes=15), timedelta(minutes=10))


def test_redis_url_from_env_is_a_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIEXIN_TEST_REDIS", "redis://:hunter2@db:6379/0")
    (tmp_path / "c.toml").write_text('[redis]\nurl_env = "TIEXIN_TEST_REDIS"\n')
    url = load(tmp_path / "c.toml").redis.resolved_url()
    assert url is not None and url.reveal().endswith("@db:6379/0")
    assert "hunter2" not in repr(url) and "hunter2" not in f"{url}"


@pytest.mark.parametrize(
    ("table", "replicas"),
    [
        ("", 0),  # the embedded Redis: no replicas
        ('url = "redis://db:6379/0"', 0),
        ('url = "redis+cluster://db1:7000,db2:7000/"', 0),
        ('url = "redis+sentinel://s1,s2,s3/tiexin"', 1),  # a failover promotes a replica
        ('url = "redis+sentinel://s1,s2,s3/tiexin"\nwait_replicas = 0', 0),
        ('url = "redis+cluster://db1:7000/"\nwait_replicas = 2', 2),
        ('url_env = "TIEXIN_TEST_WAIT_URL"', 1),  # read from the environment at start
    ],
)
def test_replicas_waited_for_follow_the_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str, replicas: int
) -> None:
    monkeypatch.setenv("TIEXIN_TEST_WAIT_URL", "redis+sentinel://:pw@s1,s2/tiexin/0")
    (tmp_path / "c.toml").write_text(f'[redis]\n{table}\nwait_timeout = "150ms"\n')
    redis = load(tmp_path / "c.toml").redis
    assert redis.replicas_to_wait() == replicas
    assert redis.wait_timeout == timedelta(milliseconds=150)


def test_check_config_names_a_bad_wait(capsys: pytest.CaptureFixture[str]) -> None:
    bad = ROOT / "tests" / "configs" / "bad" / "redis_wait_limits.toml"
    assert main(["check-config", str(bad)]) == 2
    said = capsys.readouterr()
    assert "redis.wait_timeout: must be at most 5s" in said.out + said.err


def test_defaults_run_the_demo_feed() -> None:
    config = defaults()
    assert [(c.name, c.type) for c in config.connectors] == [("demo", "replay")]


def test_check_config_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(ROOT / "config.toml")]) == 0
    assert "valid" in capsys.readouterr().out
    assert (
        main(["check-config", str(ROOT / "tests" / "configs" / "bad" / "many_at_once.toml")]) == 2
    )
    err = capsys.readouterr().err
    assert (
        "6 problems" in err and "server.port: must be an integer > 0 and <= 65535, got 70000" in err
    )
    assert main(["check-config", str(ROOT / "no-such.toml")]) == 2
    assert "cannot read the file" in capsys.readouterr().err


def test_drafts_llm_is_off_unless_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load(ROOT / "config.toml").drafts.llm is None  # shipped commented out
    monkeypatch.setenv("TIEXIN_TEST_LLM_KEY", "sk-hush-41")
    (tmp_path / "c.toml").write_text(
        '[drafts.llm]\nbase_url = "http://127.0.0.1:11434/v1/"\nmodel = "qwen2.5:7b"\n'
        'api_key_env = "TIEXIN_TEST_LLM_KEY"\ntimeout = "3s"\n'
    )
    llm = load(tmp_path / "c.toml").drafts.llm
    assert llm is not None
    assert llm.url == "http://127.0.0.1:11434/v1/chat/completions"
    assert llm.timeout == timedelta(seconds=3)
    assert (llm.max_per_minute, llm.max_drafts, llm.workers, llm.queue) == (30, 1, 2, 50)
    assert llm.api_key is not None and llm.api_key.reveal() == "sk-hush-41"
    assert "sk-hush-41" not in repr(load(tmp_path / "c.toml"))
    (tmp_path / "local.toml").write_text(  # a local server needs no key
        '[drafts.llm]\nbase_url = "http://localhost:8000/v1"\nmodel = "m"\n'
    )
    assert load(tmp_path / "local.toml").drafts.llm.api_key is None  # type: ignore[union-attr]


@given(st.integers(min_value=-(10**11), max_value=10**11))
def test_a_duration_is_shown_as_config_writes_it_and_reads_back(ms: int) -> None:
    span = timedelta(milliseconds=ms)
    assert parse_duration(format_duration(span).lstrip("-")) == abs(span)


def test_durations_are_shown_in_their_largest_units() -> None:
    shown = [format_duration(timedelta(seconds=s)) for s in (900, 5400, 0.25, 0, 86400 * 30)]
    assert shown == ["15m", "1h30m", "250ms", "0s", "30d"]
