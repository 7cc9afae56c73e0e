"""The soak's Redis on a Cluster or a Sentinel setup (`--redis cluster|sentinel`), with the
interface of the one-server `RedisServer`: a URL for the processes, a client for the checks,
and the chaos's stop and start. On a cluster the chaos stops every node (SIGTERM, or SIGKILL
with --redis-kill) and starts them again on their AOF and nodes.conf; under Sentinel it
SIGKILLs the master, so the replica is promoted (a failover), and starts the old master
again as a replica of the new one."""

from __future__ import annotations

import time
from pathlib import Path
from typing import cast

import redis
from redis.cluster import RedisCluster
from redis.sentinel import Sentinel

from bench.soak_procs import RedisServer
from responder.store.layouts import MASTER, LocalCluster, LocalSentinel, Server


class ClusterServer(RedisServer):
    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.cluster = LocalCluster(folder, appendonly=True)
        self.formed = False

    @property
    def url(self) -> str:
        return self.cluster.url

    def client(self) -> redis.Redis:
        port = self.cluster.servers[0].port
        return cast(redis.Redis, RedisCluster(host="127.0.0.1", port=port, decode_responses=True))

    def launch(self) -> None:
        if not self.formed:
            self.cluster.start()
            self.formed = True
            return
        for server in self.cluster.servers:
            server.launch()

    def wait_ready(self) -> float:
        t0 = time.monotonic()
        for server in self.cluster.servers:
            server.wait_ready()
        self.cluster.wait_ok()
        return time.monotonic() - t0

    def outage(self, how: str, seconds: float, interrupted_s: float) -> str:
        return f"every cluster node stopped ({how}) and back on its AOF in {seconds:.1f}s"

    def stop(self, *, kill: bool = False) -> None:
        for server in self.cluster.servers:
            server.stop(kill=kill)


class SentinelServer(RedisServer):
    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.setup = LocalSentinel(folder, appendonly=True)
        self.started = False
        self.killed: Server | None = None

    @property
    def url(self) -> str:
        return self.setup.url

    def client(self) -> redis.Redis:
        hosts = [("127.0.0.1", s.port) for s in self.setup.sentinels]
        client: redis.Redis = Sentinel(hosts).master_for(MASTER, decode_responses=True)
        return client

    def launch(self) -> None:
        if not self.started:
            self.setup.start()
            self.started = True
        elif self.killed is not None:
            # A replica of the new master again at once (the sentinels would take some
            # seconds), so writes waiting for a replica (WAIT) are confirmed again soon.
            self.setup.restart(self.killed)

    def wait_ready(self) -> float:
        t0 = time.monotonic()
        if self.killed is not None:
            self.killed.wait_ready()
            self.killed = None
        return time.monotonic() - t0

    def interrupt(self, *, kill: bool = False) -> None:
        """A failover: the master SIGKILLed (whatever `kill` says), the replica promoted."""
        self.killed = self.setup.master()
        self.setup.kill_master()

    def outage(self, how: str, seconds: float, interrupted_s: float) -> str:
        return (
            f"Redis master SIGKILLed, the replica promoted in {interrupted_s:.1f}s,"
            f" the old master a replica again after {seconds:.1f}s"
        )

    def stop(self, *, kill: bool = False) -> None:
        self.setup.stop()
