"""Local Redis Cluster and Sentinel setups from the bundled redis-server, on loopback ports
in one folder: what the tests and the soak run Tiexin against, and a way to try either.

`LocalCluster` is three masters (no replicas) holding all 16384 slots; `LocalSentinel` is
a master, one replica and three sentinels (quorum 2) watching it. Every server gets SIGKILL
when the process that started it dies, so none outlives a test session or a soak.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

from responder.procs import fork_from_lasting_thread, parent_death_hook
from responder.store.embedded import server_binary

SLOTS = 16384
BOUND = 30.0  # seconds a setup may take to come up or fail over (a bound, not a timer)
POLL = 0.05  # seconds between looks at real servers
MASTER = "mymaster"
DOWN_AFTER_MS = 500  # a sentinel's "subjectively down" threshold: a quick failover
FAILOVER_TIMEOUT_MS = 5000
RELAYED_FAILOVER_TIMEOUT_MS = 60_000  # longer than a test: the relayed replica stays relayed


def free_port(*, bus: bool = False) -> int:
    """A loopback port free now (and, with `bus`, its cluster-bus port +10000 too)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if not bus or port + 10000 > 65535:
            if not bus:
                return port
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port


class Server:
    """One redis-server (or sentinel) process on a loopback port, in its own folder."""

    def __init__(self, folder: Path, port: int, *args: str, sentinel: str | None = None) -> None:
        self.folder, self.port, self.args, self.sentinel = folder, port, args, sentinel
        self.process: subprocess.Popen[bytes] | None = None

    def launch(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        cmd = [server_binary()]
        if self.sentinel is not None:  # a sentinel rewrites its config file: it must be its own
            conf = self.folder / "sentinel.conf"
            conf.write_text(self.sentinel)
            cmd += [str(conf), "--sentinel"]
        cmd += ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder)]
        cmd += ["--daemonize", "no", "--logfile", str(self.folder / "redis.log"), *self.args]
        hook = parent_death_hook(os.getpid(), signal.SIGKILL)

        def popen() -> subprocess.Popen[bytes]:
            return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, preexec_fn=hook)

        self.process = fork_from_lasting_thread(popen)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, decode_responses=True, socket_timeout=5)

    def wait_ready(self) -> None:
        client = self.client()
        limit = time.monotonic() + BOUND
        try:
            while time.monotonic() < limit:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"redis on :{self.port} exited; see {self.folder}")
                try:
                    if client.ping():
                        return
                except (redis.ConnectionError, redis.BusyLoadingError):
                    pass
                time.sleep(POLL)  # waiting on a real process
        finally:
            client.close()
        raise RuntimeError(f"redis on :{self.port} did not answer within {BOUND:.0f}s")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, *, kill: bool = False) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _cluster(client: redis.Redis, *args: object) -> Any:
    return client.execute_command("CLUSTER", *args)  # type: ignore[no-untyped-call]


def _wait(what: str, check: Callable[[], bool]) -> None:
    limit = time.monotonic() + BOUND
    while time.monotonic() < limit:
        try:
            if check():
                return
        except redis.RedisError:
            pass
        time.sleep(POLL)  # waiting on real servers
    raise RuntimeError(f"{what} within {BOUND:.0f}s")


class LocalCluster:
    """Three masters sharing the 16384 slots; `url` is a `redis+cluster://` URL."""

    def __init__(self, folder: Path, *, masters: int = 3, appendonly: bool = False) -> None:
        aof = ["--appendonly", "yes" if appendonly else "no", "--save", ""]
        self.servers = [
            Server(folder / f"node{i}", port, "--cluster-enabled", "yes", *aof)
            for i, port in enumerate(free_port(bus=True) for _ in range(masters))
        ]

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{s.port}" for s in self.servers) + "/"

    def start(self) -> None:
        try:
            for server in self.servers:
                server.launch()
            for server in self.servers:
                server.wait_ready()
            self._form()
        except BaseException:
            self.stop()
            raise

    def _form(self) -> None:
        """Share out the slots, introduce the nodes and wait until every one says ok."""
        clients = [s.client() for s in self.servers]
        try:
            n = len(clients)
            for i, client in enumerate(clients):
                _cluster(client, "SET-CONFIG-EPOCH", i + 1)
                first, last = i * SLOTS // n, (i + 1) * SLOTS // n
                _cluster(client, "ADDSLOTS", *range(first, last))
            for server in self.servers[1:]:
                _cluster(clients[0], "MEET", "127.0.0.1", server.port)

        finally:
            for client in clients:
                client.close()
        self.wait_ok()

    def wait_ok(self) -> None:
        """Wait until every node knows the others and says the cluster is ok."""
        clients = [s.client() for s in self.servers]

        def formed() -> bool:
            for client in clients:
                info = str(_cluster(client, "INFO"))
                if (
                    "cluster_state:ok" not in info
                    or f"cluster_known_nodes:{len(clients)}" not in info
                ):
                    return False
                if len(_cluster(client, "SLOTS")) != len(clients):
                    return False
            return True

        try:
            _wait("the cluster did not form", formed)
        finally:
            for client in clients:
                client.close()

    def stop(self) -> None:
        for server in self.servers:
            server.stop(kill=True)


class LocalSentinel:
    """A master, a replica and three sentinels (quorum 2); `url` is `redis+sentinel://`.

    With `relay`, the replica replicates through the port `relay(master's port)` returns (a
    test's proxy that can stall the link). The sentinels then wait longer before they "fix"
    a replica whose master address is not the master's own (their failover timeout)."""

    def __init__(
        self,
        folder: Path,
        *,
        appendonly: bool = False,
        relay: Callable[[int], int] | None = None,
    ) -> None:
        aof = ["--appendonly", "yes" if appendonly else "no", "--save", ""]
        master_port = free_port()
        upstream = relay(master_port) if relay is not None else master_port
        self.redis = [
            Server(folder / "a", master_port, *aof),
            Server(folder / "b", free_port(), *aof, "--replicaof", "127.0.0.1", str(upstream)),
        ]
        timeout = FAILOVER_TIMEOUT_MS if relay is None else RELAYED_FAILOVER_TIMEOUT_MS
        conf = (
            f"sentinel monitor {MASTER} 127.0.0.1 {master_port} 2\n"
            f"sentinel down-after-milliseconds {MASTER} {DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {MASTER} {timeout}\n"
        )
        self.sentinels = [Server(folder / f"s{i}", free_port(), sentinel=conf) for i in range(3)]

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)
        return f"redis+sentinel://{hosts}/{MASTER}/0"

    def start(self) -> None:
        try:
            for server in self.redis:
                server.launch()
            for server in self.redis:
                server.wait_ready()
            _wait("the replica did not sync", lambda: self._synced(self.redis[1]))
            # Now: the sentinels' first look at the master finds the replica, instead of
            # their next one, ten seconds later.
            for server in self.sentinels:
                server.launch()
            for server in self.sentinels:
                server.wait_ready()
            _wait("the sentinels did not find each other", self._watching)
        except BaseException:
            self.stop()
            raise

    def master(self) -> Server:
        """The server the sentinels name as master now."""
        client = self.sentinels[0].client()
        try:
            found: Any = client.sentinel_get_master_addr_by_name(MASTER)
            port = found[1]
        finally:
            client.close()
        return next(s for s in self.redis if s.port == int(port))

    def kill_master(self) -> Server:
        """SIGKILL the master, wait until the sentinels promote the replica and all of them
        have heard from it (a client asking any of them finds it); return it."""
        old = self.master()
        old.stop(kill=True)
        _wait("no failover", lambda: self.master() is not old)
        switched = time.monotonic()
        new = self.master()
        _wait("the new master is not writable", lambda: self._role(new) == "master")
        _wait(
            "the sentinels did not all reach the new master", lambda: self._settled(new, switched)
        )
        return new

    def _settled(self, new: Server, switched: float) -> bool:
        """Every sentinel names `new`, does not flag it down, and had a PING answered by it
        since `switched`: until then one may flag it down for a moment (down-after is short
        here), and a client asking then is told there is no master."""
        for state in self._views():
            heard = int(state["last-ok-ping-reply"]) / 1000  # seconds since its last PONG
            if int(state["port"]) != new.port or state["is_sdown"] or state["is_odown"]:
                return False
            if heard >= time.monotonic() - switched:
                return False
        return True

    def restart(self, server: Server) -> None:
        """Start a killed server again as a replica of the master now (what the sentinels
        would make it, some seconds later); return once it has synced."""
        master = self.master()
        server.launch()
        server.wait_ready()
        client = server.client()
        try:
            client.replicaof("127.0.0.1", master.port)
        finally:
            client.close()
        _wait("the old master did not rejoin", lambda: self._synced(server))

    def _role(self, server: Server) -> str:
        return str(_replication(server)["role"])

    def _synced(self, server: Server) -> bool:
        info = _replication(server)
        return bool(info["role"] == "slave" and info["master_link_status"] == "up")

    def _watching(self) -> bool:
        return all(
            int(state["num-other-sentinels"]) >= 2 and int(state["num-slaves"]) >= 1
            for state in self._views()
        )

    def _views(self) -> list[Any]:
        """What each sentinel says of the master (SENTINEL MASTER), in turn."""
        views = []
        for sentinel in self.sentinels:
            client = sentinel.client()
            try:
                views.append(client.sentinel_master(MASTER))
            finally:
                client.close()
        return views

    def stop(self) -> None:
        for server in self.sentinels + self.redis:
            server.stop(kill=True)


def _replication(server: Server) -> dict[str, Any]:
    """INFO replication of one server."""
    client = server.client()
    try:
        info: dict[str, Any] = client.info("replication")
        return info
    finally:
        client.close()
