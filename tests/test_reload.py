"""Live config (responder/reload): a reload validated first, stored in Redis, applied by
every app on that Redis: connectors, SLA, users, the on-call rota; refused whole when
invalid; audited with a masked diff; shown to admins. Real Redis, HTTP on loopback."""

from __future__ import annotations

import re
import shutil
import tomllib
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from connectors.secret import Secret
from responder.cli import main
from responder.config import load
from responder.drafts.drafter import default_directory
from responder.pipeline.scoring import ScoringPool
from responder.reload import published
from responder.reload.follower import Follower
from responder.reload.masking import MASK, diff, mask_url, masked
from responder.reload.publish import reload_file
from responder.roles import ALL, Role, runs
from responder.runtime import create_app
from responder.services import CLOCK, LIVE_CONFIG, SERVICES, STORE
from responder.store.keys import mention_id
from responder.store.packing import PACKER
from responder.web.replies import RULES
from tests.conftest import CHEAP
from tests.fake_forum import CONFIG as FORUM
from tests.fake_forum import TOKEN, Forum, post
from tests.fake_forum import running as forum_running
from tests.fake_robots import HOOK_SECRET, FakeRobots
from tests.fakes import FakeClock, mention
from tests.running import OPS_TOKEN, USERS_TOML

Client = TestClient[Any, Any]


def base_text(redis_url: str, prefix: str = "reload") -> str:
    return f'[redis]\nurl = "{redis_url}"\nprefix = "{prefix}"\ndata_dir = "data"\n' + USERS_TOML


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
async def start(
    aiohttp_client: Any, clock: FakeClock, scoring_pool: ScoringPool, redis: Any
) -> AsyncIterator[Callable[[Path], Any]]:
    """Start an app from a config file (nothing running by itself) with its follower
    subscribed; yield (client as ops, follower)."""
    followers: list[Follower] = []

    async def make(path: Path, roles: frozenset[Role] = ALL) -> tuple[Client, Follower]:
        # The shared scoring pool only where a pipeline runs (a reload may restart it).
        scorer = scoring_pool if runs(roles, "pipeline") else None
        app = create_app(load(path), clock=clock, scorer=scorer, background=False, roles=roles)
        client = await aiohttp_client(app, headers={"Authorization": f"Bearer {OPS_TOKEN}"})
        follower = Follower(app)
        followers.append(follower)
        await follower.step()  # subscribes, stores the start's config, catches up
        return client, follower

    yield make
    for follower in followers:
        await follower.close()


async def reload(client: Client, path: Path, by: str = "ops") -> int:
    """What `tiexin reload` does (tests of the command itself call `main`)."""
    app = client.app
    done = await reload_file(app[STORE], path, by=by, now=app[CLOCK].now())
    return done.version


async def follow(*followers: Follower) -> None:
    """Each follower takes the message a reload published (a blocking read, no timer)."""
    for follower in followers:
        await follower.step()


async def test_a_reload_that_adds_an_http_json_connector_queues_what_a_start_would(
    start: Any, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORUM_TOKEN", TOKEN)
    forum = Forum(posts=[post(n) for n in range(101, 106)])
    async with forum_running(forum) as base:
        path = write(tmp_path / "a", base_text(redis_url))
        client, follower = await start(path)
        services = client.app[SERVICES]
        assert [p.name for p in services.pollers] == []
        write(tmp_path / "a", base_text(redis_url) + FORUM.replace("{base}", base))
        assert await reload(client, path) == 2
        await follow(follower)
        assert client.app[LIVE_CONFIG].version == 2
        assert [p.name for p in services.pollers] == ["forum"]
        assert await services.pollers[0].run_once() == 4  # two pages of two
        assert services.pipeline is not None
        await services.pipeline.run_once()

        fresh_path = write(
            tmp_path / "b", base_text(redis_url, "fresh") + FORUM.replace("{base}", base)
        )
        fresh, _ = await start(fresh_path)
        fresh_services = fresh.app[SERVICES]
        assert await fresh_services.pollers[0].run_once() == 4
        assert fresh_services.pipeline is not None
        await fresh_services.pipeline.run_once()

    ids = [mention_id("forum", "forum", str(n)) for n in range(101, 106)]
    reloaded = await client.app[STORE].mentions(ids, ["platform_id"])
    started = await fresh.app[STORE].mentions(ids, ["platform_id"])
    assert [m["platform_id"] for m in reloaded] == ["101", "102", "103", "104"]
    assert reloaded == started


async def test_an_invalid_reload_is_refused_with_every_problem_and_the_config_stays(
    start: Any, redis_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "a", base_text(redis_url))
    client, follower = await start(path)
    write(
        tmp_path / "a",
        base_text(redis_url)
        + '[sla]\nrespond_within = "-5m"\nwarn_afterr = "1m"\n[pipeline]\nbatch_size = 0\n',
    )
    assert main(["reload", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "sla.respond_within" in err and "warn_afterr" in err
    assert "pipeline.batch_size" in err and "running config stays" in err
    store = client.app[STORE]
    found = await published.read(store.redis, store.keys)
    assert found is not None and found.version == 1  # nothing stored, nobody told

    # A text that slipped past (stored by hand) is refused by the process too, and said so.
    await published.store(
        store.redis,
        store.keys,
        '[sla]\nwarn_after = "20m"\n',
        by="hand",
        at=FakeClock().now(),
        always=True,
    )
    await follow(follower)
    live = client.app[LIVE_CONFIG]
    assert live.current.sla.respond_within == timedelta(minutes=15)
    assert "warn_after must be shorter" in live.refused
    resp = await client.get("/api/admin/config")
    assert (await resp.json())["refused"] == live.refused


@pytest.mark.layouts
async def test_a_reload_reaches_both_apps_on_one_redis_and_the_sla_applies_to_new_mentions(
    start: Any, store_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    first_path = write(tmp_path / "a", base_text(store_url))
    second_path = write(tmp_path / "b", base_text(store_url))
    first, first_follower = await start(first_path)
    second, second_follower = await start(second_path)
    assert second.app[LIVE_CONFIG].version == 1  # the same file: no new version at start
    store = first.app[STORE]
    pipeline = first.app[SERVICES].pipeline
    assert pipeline is not None
    await store.ingest("demo", [mention("old", created_at=clock.now())], None, clock.now())
    await pipeline.run_once()

    write(tmp_path / "a", base_text(store_url) + '[sla]\nrespond_within = "30m"\n')
    assert await reload(first, first_path) == 2
    await follow(first_follower, second_follower)
    for app in (first.app, second.app):
        assert app[LIVE_CONFIG].version == 2
        assert app[LIVE_CONFIG].current.sla.respond_within == timedelta(minutes=30)
        assert all(p.sla.respond_within == timedelta(minutes=30) for p in app[SERVICES].pipelines)

    other = second.app[SERVICES].pipeline
    assert other is not None
    await store.ingest("demo", [mention("new", created_at=clock.now())], None, clock.now())
    await other.run_once()
    ids = [mention_id("weibo", "lanxing", pid) for pid in ("old", "new")]
    old, new = await store.mentions(ids, ["deadline", "created_at"])
    assert float(old["deadline"]) - float(old["created_at"]) == 15 * 60  # kept its own
    assert float(new["deadline"]) - float(new["created_at"]) == 30 * 60


async def test_a_start_from_a_file_that_differs_only_in_its_own_port_adds_no_version(
    start: Any, redis_url: str, tmp_path: Path
) -> None:
    """Each machine's file names its own port and data dir (deploy/): starting from it is
    no change of the team's config, and it does not make the others apply one."""
    first, _ = await start(write(tmp_path / "a", base_text(redis_url)))
    own = base_text(redis_url).replace('data_dir = "data"', 'data_dir = "data-b"')
    second, _ = await start(write(tmp_path / "b", own + "# a comment\n[server]\nport = 8091\n"))
    assert first.app[LIVE_CONFIG].version == second.app[LIVE_CONFIG].version == 1
    assert second.app[LIVE_CONFIG].current.server.port == 8091  # its own, kept
    changed = base_text(redis_url) + '[sla]\nrespond_within = "30m"\n'
    third, _ = await start(write(tmp_path / "c", changed))
    assert third.app[LIVE_CONFIG].version == 2  # a change of what all share: the last start wins


async def _sign_in(client: Client, name: str, password: str) -> int:
    page = await client.get("/login")
    found = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert found is not None
    form = {"name": name, "password": password, "next": "/", "csrf": found[1]}
    resp = await client.post("/login", data=form, allow_redirects=False)
    return resp.status


async def test_a_new_user_can_sign_in_and_a_removed_one_cannot(
    start: Any, aiohttp_client: Any, redis_url: str, tmp_path: Path
) -> None:
    kim = f'\n[[users]]\nname = "kim"\nrole = "agent"\npassword_hash = "{CHEAP.hash("kim-pw")}"\n'
    path = write(tmp_path / "a", base_text(redis_url) + kim)
    client, follower = await start(path)
    browser = await aiohttp_client(client.server)
    assert await _sign_in(browser, "kim", "kim-pw") == 302
    assert (await browser.get("/api/me")).status == 200
    eve = kim.replace("kim", "eve").replace(kim.split('"')[5], CHEAP.hash("eve-pw"))
    write(tmp_path / "a", base_text(redis_url) + eve)
    await reload(client, path)
    await follow(follower)
    assert (await browser.get("/api/me")).status == 401  # kim's session ends with kim
    other = await aiohttp_client(client.server)
    assert await _sign_in(other, "kim", "kim-pw") == 401
    assert await _sign_in(other, "eve", "eve-pw") == 302


ROTA = """
[alerts.channels.ops]
type = "webhook"
url = "{base}/hook"
secret_env = "OPS_HOOK_SECRET"

[[oncall.people]]
name = "zhao"
phone = "13800000001"

[[oncall.people]]
name = "qian"
phone = "13800000002"

[[oncall.rotations]]
name = "primary"
people = ["{who}"]
start = 2026-01-05
"""


async def test_a_rota_change_pages_the_new_person(
    start: Any, redis_url: str, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPS_HOOK_SECRET", HOOK_SECRET)
    robots = FakeRobots(now=clock.now)
    server = TestServer(robots.app(), host="127.0.0.1", port=0)
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    try:
        rota = ROTA.replace("{base}", base)
        path = write(tmp_path / "a", base_text(redis_url) + rota.replace("{who}", "zhao"))
        client, follower = await start(path)
        write(tmp_path / "a", base_text(redis_url) + rota.replace("{who}", "qian"))
        await reload(client, path)
        await follow(follower)
        services, store = client.app[SERVICES], client.app[STORE]
        assert services.pipeline is not None and services.sweeper is not None
        notifier = services.notifier
        assert notifier is not None
        await store.ingest("demo", [mention("1", created_at=clock.now())], None, clock.now())
        await services.pipeline.run_once()
        clock.advance(10 * 60)
        assert await services.sweeper.sweep()
        await notifier.step(block_ms=None)
        pages = [g.body for g in robots.of("webhook")]
        assert [p["name"] for p in pages[-1]["to"]] == ["qian"]
        other = write(tmp_path / "b", base_text(redis_url) + rota.replace("{who}", "qian"))
        web, web_follower = await start(other, frozenset({Role.WEB}))  # pages nobody
        write(tmp_path / "a", base_text(redis_url) + rota.replace("{who}", "zhao"))
        await reload(client, path)
        await follow(follower, web_follower)
        assert web.app[LIVE_CONFIG].version == client.app[LIVE_CONFIG].version
        assert web.app[SERVICES].notifier is None  # no notifier built where none runs
        assert client.app[SERVICES].notifier is not notifier  # the worker's is new
    finally:
        await server.close()


async def test_each_reload_is_audited_with_a_masked_diff(
    start: Any, redis_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path / "a", base_text(redis_url))
    client, follower = await start(path)
    write(
        tmp_path / "a",
        base_text(redis_url).replace(OPS_HASH, NEW_HASH) + '[sla]\nrespond_within = "20m"\n',
    )
    await reload(client, path, by="ops")
    await follow(follower)
    resp = await client.get("/api/audit")
    rows = [r for r in (await resp.json())["items"] if r["type"] == "config_reloaded"]
    assert len(rows) == 1 and rows[0]["type_label"] == "重新加载配置"
    changes = {c["path"]: c for c in rows[0]["details"]["diff"]}
    assert changes["sla.respond_within"] == {"path": "sla.respond_within", "after": "20m"}
    assert changes["users.ops.password_hash"] == {
        "path": "users.ops.password_hash",
        "before": MASK,
        "after": MASK,
    }
    assert NEW_HASH not in await resp.text()
    view = await (await client.get("/api/admin/config")).json()
    assert view["version"] == 2 and view["by"] == "ops"
    assert view["config"]["sla"]["respond_within"] == "20m"
    assert view["config"]["redis"]["wait_replicas"] == 0  # unset: the value in effect
    assert view["config"]["users"][0]["password_hash"] == MASK


NEW_HASH = CHEAP.hash("ops-new-password")
OPS_HASH = re.findall(r'password_hash = "([^"]+)"', USERS_TOML)[0]


def test_masking_hides_secrets_and_url_userinfo() -> None:
    assert mask_url("redis://:pw@cache:6379/0") == "redis://***@cache:6379/0"
    assert mask_url("https://example.com/a@b") == "https://example.com/a@b"
    assert masked({"session_secret": "x", "api_token_env": "T", "host": "h"}) == {
        "session_secret": MASK,
        "api_token_env": MASK,
        "host": "h",
    }
    assert masked(Secret("s")) == MASK
    before = tomllib.loads('[redis]\nurl = "redis://u:p@h/0"\n')
    after = tomllib.loads('[redis]\nurl = "redis://u:q@h/0"\n')
    assert diff(before, after) == [
        {"path": "redis.url", "before": "redis://***@h/0", "after": "redis://***@h/0"}
    ]


async def test_the_config_page_shows_admins_the_config_in_effect_masked(
    start: Any, redis_url: str, tmp_path: Path, aiohttp_client: Any
) -> None:
    kim = f'\n[[users]]\nname = "kim"\nrole = "agent"\npassword_hash = "{CHEAP.hash("kim-pw")}"\n'
    path = write(tmp_path / "a", base_text(redis_url) + kim)
    client, _ = await start(path)
    page = await client.get("/admin/config")
    text = await page.text()
    assert page.status == 200 and "生效中的配置" in text
    assert '<dd id="config-version">1</dd>' in text
    assert OPS_HASH not in text and MASK in text
    agent = await aiohttp_client(client.server)
    assert await _sign_in(agent, "kim", "kim-pw") == 302
    refused = await agent.get("/admin/config")
    assert refused.status == 403 and "需要管理员权限" in await refused.text()
    assert (await agent.get("/api/admin/config")).status == 403


async def test_a_reload_applies_the_style_rules_and_the_knowledge_base_in_a_web_process(
    start: Any, redis_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    worker, _ = await start(write(tmp_path / "a", base_text(redis_url)))
    store, pipeline = worker.app[STORE], worker.app[SERVICES].pipeline
    assert pipeline is not None
    comment = mention("long", kind="comment", created_at=clock.now())
    await store.ingest("demo", [comment], None, clock.now())
    await pipeline.run_once()
    mid = mention_id("weibo", "lanxing", "long")

    folder = tmp_path / "b"
    shutil.copytree(default_directory(), folder / "tpl")
    path = write(folder, base_text(redis_url) + '[drafts]\ntemplates = "tpl"\n')
    web, follower = await start(path, frozenset({Role.WEB}))
    reply = {"text": "您好，" + "很抱歉给您添麻烦了" * 20}

    async def said() -> str:
        resp = await web.post(f"/api/mentions/{mid}/reply", json=reply)
        assert resp.status == 422
        return str((await resp.json())["error"])

    assert "微博评论最多 140 字" in await said()
    assert web.app[RULES].quotes.titles()["data_migration"][0] == "换机"
    packed_with = PACKER.current[0]

    style, kb = folder / "tpl" / "style.toml", folder / "tpl" / "kb.toml"
    style.write_text(style.read_text("utf-8").replace("limit = 140", "limit = 100"), "utf-8")
    kb.write_text(kb.read_text("utf-8").replace('title = "换机"', 'title = "换机搬家"'), "utf-8")
    await reload(web, path)
    await follow(follower)
    assert "微博评论最多 100 字" in await said()
    assert web.app[RULES].quotes.titles()["data_migration"][0] == "换机搬家"
    ident = PACKER.current[0]  # drafts are packed with the new words, readable by all
    assert ident != packed_with and await store.redis.exists(store.keys.drafts_dictionary(ident))
