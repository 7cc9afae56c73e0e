"""redis-py's Redis Cluster client as Tiexin uses it: each call's outcome reported to an
`Availability` (as `WatchedRedis` does), and Lua scripts staged on a pipeline loaded first.

redis-py's plain pipeline loads the scripts staged on it before it runs; its cluster
pipeline does not, so a script first called inside a pipeline failed with NOSCRIPT. The
client keeps each registered script's text and loads, on every master, the ones a pipeline
is about to call that it has not loaded yet (again after a NOSCRIPT: a restarted node).
"""

from __future__ import annotations

from typing import Any

from redis.asyncio.cluster import ClusterPipeline, RedisCluster
from redis.exceptions import NoScriptError

from responder.store.availability import UNREACHABLE, Availability


class WatchedCluster(RedisCluster):
    """A Redis Cluster client reporting to `availability` (None: to nobody)."""

    availability: Availability | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scripts: dict[str, str] = {}  # sha -> text, of every registered script
        self.loaded: set[str] = set()  # shas loaded on every master by this client

    def register_script(self, script: Any) -> Any:
        found = super().register_script(script)
        self.scripts[found.sha] = found.script if isinstance(found.script, str) else str(script)
        return found

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        watch = self.availability
        if watch is None:
            return await super().execute_command(*args, **options)
        generation = watch.generation
        try:
            result = await super().execute_command(*args, **options)
        except UNREACHABLE as exc:
            watch.failed(exc, generation)
            raise
        watch.answered(generation)
        return result

    def pipeline(self, transaction: Any | None = None, shard_hint: Any | None = None) -> Any:
        return _Pipeline(self, transaction)  # type: ignore[abstract]  # as redis-py builds it


class _Pipeline(ClusterPipeline):
    cluster_client: WatchedCluster

    def __init__(self, client: WatchedCluster, transaction: bool | None = None) -> None:
        super().__init__(client, transaction)
        self.shas: set[str] = set()

    def evalsha(self, sha: str, numkeys: int, *keys_and_args: Any) -> Any:
        self.shas.add(sha)
        return super().evalsha(sha, numkeys, *keys_and_args)

    async def execute(self, raise_on_error: bool = True, allow_redirections: bool = True) -> Any:
        client = self.cluster_client
        watch = client.availability
        generation = watch.generation if watch is not None else 0
        shas, self.shas = self.shas - client.loaded, set()
        try:
            for sha in shas:
                if sha in client.scripts:
                    await client.script_load(client.scripts[sha])  # on every master
                    client.loaded.add(sha)
            result = await super().execute(raise_on_error, allow_redirections)
        except NoScriptError:
            client.loaded.clear()  # a node restarted: load again before the next pipeline
            raise
        except UNREACHABLE as exc:
            if watch is not None:
                watch.failed(exc, generation)
            raise
        if watch is not None:
            watch.answered(generation)
        return result
