"""Process roles: each role builds and runs only its loops; a web, a worker and a poller
process on one Redis together carry a mention in and a reply out; `--role` nonsense is
refused."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from connectors.replay import ReplayConfig
from responder.cli import main
from responder.config import ConnectorConfig, RedisConfig, defaults
from responder.pipeline.scoring import ScoringPool
from responder.roles import ALL, LOOPS, Role, family, parse
from responder.runtime import create_app
from responder.services import SERVICES
from responder.web.scrape import OFF
from tests.conftest import USERS, bearer
from tests.fakes import FakeClock

Client = TestClient[Any, Any]
EXPECTED = {  # and in every process, the config's follower
    Role.WEB: {"config", "live", "holds"},
    Role.POLLER: {"config", "poll:feed", "leases"},
    Role.WORKER: {"config", "pipeline", "pipeline-2", "outbox", "notifier", "reports", "voice"},
    Role.SWEEPER: {"config", "sweeper", "monitor"},
}


def _feed(folder: Path) -> ConnectorConfig:
    folder.mkdir(exist_ok=True)
    (folder / "feed.jsonl").write_text("", "utf-8")
    options = ReplayConfig(path=folder / "feed.jsonl")
    return ConnectorConfig(name="feed", type="replay", options=options)


async def _started(
    aiohttp_client: Any, redis_url: str, scorer: ScoringPool, tmp_path: Path, roles: frozenset[Role]
) -> Client:
    feed = _feed(tmp_path)
    config = replace(
        defaults(),
        connectors=(feed,),
        redis=RedisConfig(url=redis_url, prefix="roles", data_dir=tmp_path / "data"),
        pipeline=replace(defaults().pipeline, workers=2),
        users=USERS,
    )
    app = create_app(config, clock=FakeClock(), scorer=scorer, roles=roles)
    return await aiohttp_client(app, headers=bearer("ada"))  # type: ignore[no-any-return]


def _statuses(client: Client) -> set[str]:
    supervisor = client.app[SERVICES].supervisor
    assert supervisor is not None
    return set(supervisor.statuses)


@pytest.mark.parametrize("role", list(Role))
async def test_each_role_runs_only_its_loops(
    aiohttp_client: Any,
    redis: Redis,
    redis_url: str,
    scoring_pool: ScoringPool,
    tmp_path: Path,
    role: Role,
) -> None:
    client = await _started(aiohttp_client, redis_url, scoring_pool, tmp_path, frozenset({role}))
    services = client.app[SERVICES]
    assert services.supervisor is not None
    assert set(services.supervisor.statuses) == EXPECTED[role]
    assert (services.pipeline is not None) == (role is Role.WORKER)
    assert bool(services.pollers) == (role is Role.POLLER)
    health = await client.get("/api/health")
    assert (await health.json())["role"] == str(role)
    queue = await client.get("/api/queue")
    assert queue.status == (200 if role is Role.WEB else 404)
    metrics = await client.get("/metrics")  # every process can be scraped (once it has a token)
    assert (await metrics.json())["error"] == OFF


async def test_all_runs_every_roles_loops_and_a_comma_list_the_union(
    aiohttp_client: Any, redis: Redis, redis_url: str, scoring_pool: ScoringPool, tmp_path: Path
) -> None:
    both = await _started(
        aiohttp_client, redis_url, scoring_pool, tmp_path / "a", parse("web,sweeper")
    )
    statuses = _statuses(both)
    assert set(statuses) == EXPECTED[Role.WEB] | EXPECTED[Role.SWEEPER]
    assert (await (await both.get("/api/health")).json())["role"] == "web,sweeper"
    every = await _started(aiohttp_client, redis_url, scoring_pool, tmp_path / "b", ALL)
    names = _statuses(every)
    assert names == set().union(*EXPECTED.values())  # nothing runs that no role runs
    # Every loop of the table has a role (the Redis watchdog: every process with an
    # embedded Redis), and every loop started is in the table.
    assert {family(n) for n in names} | {"redis", "config-watch", "drafts-llm"} == set(LOOPS)


def test_a_wrong_role_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    for wrong in ("chef", "web,chef", "web,", ""):
        with pytest.raises(SystemExit) as exited:
            main(["run", "--role", wrong])
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert "argument --role: unknown role" in err
        assert "web, worker, poller, sweeper" in err
    assert parse("all") == ALL
    assert parse(" poller , worker") == {Role.POLLER, Role.WORKER}
