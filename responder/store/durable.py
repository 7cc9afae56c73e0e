"""Acknowledge a write outside only once replicas have it: Redis WAIT behind a barrier.

Redis replicates asynchronously: a master that dies takes with it what it acknowledged and
had not yet sent to a replica (docs/redis.md, "What can be lost"). `WAIT n ms` blocks until
n replicas have every write *of the calling connection*, and redis-py's pool may run a write
and a later WAIT on different connections. So `confirm` sends, in one non-transactional
pipeline on one connection, a tiny write to the deployment's own key (`keys.barrier`, under
the hash tag: on a cluster, on the master of every other key) and then WAIT. A master's
replication stream is one ordered stream, so a replica that has the barrier has every
write before it, whichever connection made it.

A write the replicas did not confirm in time is not acknowledged (503, or a reply held
back), counted, and logged once when it starts, at most once a minute while it lasts, and
once when replicas confirm again. For `SKIP_AFTER` seconds after a miss, writes are not
waited for but refused at once, so a replica that is down costs one wait, not one per write.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from responder.clock import Clock
from responder.metrics import Metrics
from responder.store.keys import Keys

log = logging.getLogger(__name__)
SKIP_AFTER = 2.0  # seconds after a miss during which writes are refused without waiting
LOG_EVERY = 60.0  # seconds between the reminders while replicas do not confirm


class Durable:
    """Confirms that `replicas` replicas have every write made so far, within `timeout`."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        clock: Clock,
        *,
        replicas: int,
        timeout: timedelta,
        metrics: Metrics | None = None,
    ) -> None:
        self.redis, self.keys, self.clock = redis, keys, clock
        self.replicas = replicas
        self.timeout_ms = max(1, round(timeout.total_seconds() * 1000))  # WAIT 0: forever
        self.metrics = metrics or Metrics()
        self.degraded_since: datetime | None = None
        self.reason = ""
        self.refused = 0  # writes not acknowledged since the replicas last confirmed one
        self._skip_until = float("-inf")
        self._since = 0.0  # clock.monotonic() of the first miss
        self._told = (0.0, 0)  # when the last reminder was logged, and `refused` then

    async def confirm(self, part: str) -> bool:
        """True once the replicas have every write made before this call (at once when no
        replica is asked for: no round trip); False if they did not say so in time, or a
        failover moved the master meanwhile. `part` names the caller in the metrics. A
        Redis that cannot be reached raises, as any other call does."""
        if self.replicas == 0:
            return True
        if self.clock.monotonic() < self._skip_until:
            self._missed(part, "skipped", self.reason)
            return False
        before = await self._master()
        acked = await self._barrier()
        if await self._master() != before:
            self._missed(part, "failover", "the Redis master changed while waiting for replicas")
            return False
        if acked >= self.replicas:
            self._confirmed()
            return True
        self._skip_until = self.clock.monotonic() + SKIP_AFTER
        reason = f"{acked} of {self.replicas} replicas confirmed within {self.timeout_ms} ms"
        self._missed(part, "timeout", reason)
        return False

    async def _barrier(self) -> int:
        """Bump the barrier and WAIT on the same connection; return the replicas' count."""
        key, redis = self.keys.barrier, self.redis
        async with redis.pipeline(transaction=False) as pipe:
            pipe.incr(key)
            if isinstance(redis, RedisCluster):  # WAIT has no key: send it to the key's node
                node = redis.get_node_from_key(key)
                pipe.execute_command("WAIT", self.replicas, self.timeout_ms, target_nodes=node)
            else:
                pipe.wait(self.replicas, self.timeout_ms)
            _, acked = await pipe.execute()
        return int(acked)

    async def _master(self) -> Any:
        """Which master the client writes to now: the cluster node of the deployment's slot,
        the master the sentinels named last (None for one server)."""
        if isinstance(self.redis, RedisCluster):
            await self.redis.initialize()  # at once when the client already knows the slots
            node = self.redis.get_node_from_key(self.keys.barrier)
            return node.name if node is not None else None
        return getattr(self.redis.connection_pool, "master_address", None)

    def _missed(self, part: str, why: str, reason: str) -> None:
        self.metrics.wait_missed(part, why)
        self.refused += 1
        now = self.clock.monotonic()
        if self.degraded_since is None:
            self.degraded_since, self._since, self._told = self.clock.now(), now, (now, 1)
            self.reason = reason
            log.warning(
                "Redis replicas did not confirm a write (%s): answering 503 until they do",
                reason,
                extra={"event": "replication_degraded", "reason": reason},
            )
            return
        if why != "skipped":
            self.reason = reason
        told_at, told = self._told
        if now - told_at >= LOG_EVERY:
            self._told = (now, self.refused)
            log.warning(
                "Redis replicas still do not confirm writes (%s): %d refused in %.0fs",
                self.reason,
                self.refused - told,
                now - told_at,
                extra={"event": "replication_degraded", "reason": self.reason},
            )

    def _confirmed(self) -> None:
        if self.degraded_since is None:
            return
        lasted = max(0.0, self.clock.monotonic() - self._since)
        log.warning(
            "Redis replicas confirm writes again after %.1fs (%d writes answered 503 or held)",
            lasted,
            self.refused,
            extra={"event": "replication_recovered", "down_s": round(lasted, 3)},
        )
        self.degraded_since, self.reason, self.refused = None, "", 0

    def to_json(self) -> dict[str, Any]:
        """What /api/health shows of it."""
        if self.replicas == 0:
            return {"state": "off", "replicas": 0}
        shown: dict[str, Any] = {"replicas": self.replicas, "timeout_ms": self.timeout_ms}
        if self.degraded_since is None:
            return {"state": "ok", **shown}
        since = self.degraded_since.isoformat()
        return {
            "state": "degraded",
            **shown,
            "since": since,
            "reason": self.reason,
            "refused": self.refused,
        }
