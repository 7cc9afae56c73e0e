"""The supervisor: owns every long-running task, restarts it when it dies, reports its health."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from responder.backoff import Backoff, BackoffPolicy
from responder.clock import Clock, sleep_or_stop
from responder.store.availability import REDIS_AWAY

log = logging.getLogger(__name__)

# Short and capped: a task should be back within seconds of Redis coming back.
RESTART = BackoffPolicy(initial=0.25, factor=2.0, maximum=5.0, jitter=0.2)
# Redis (or the network) being away is expected now and then: one line, no traceback.
# Redis out of reach (REDIS_AWAY, cluster errors included): store.availability logs the
# outage once, from the call that failed, so a task failing of it is not logged again
# (health still shows it failing).
OUTAGES = (*REDIS_AWAY, OSError, TimeoutError)

Run = Callable[[], Coroutine[Any, Any, None]]
Step = Callable[[], Awaitable[float | None]]  # returns how long to wait before the next step


class State(StrEnum):
    OK = "ok"
    FAILING = "failing"  # failed; waiting out its backoff before a restart
    RESTARTING = "restarting"  # restarted, no success yet


@dataclass(slots=True)
class Status:
    """What health shows for one supervised task or job."""

    state: State = State.OK
    failures: int = 0
    last_error: str = ""
    since: datetime | None = None  # when the current failure streak began
    quiet: bool = False  # the streak so far is a Redis outage, logged by store.availability

    def to_json(self) -> dict[str, object]:
        body: dict[str, object] = {"state": str(self.state), "failures": self.failures}
        if self.since is not None:
            body["last_error"] = self.last_error
            body["since"] = self.since.isoformat()
        return body


class Supervisor:
    """Run named tasks, restart them with capped backoff, and stop them all at once."""

    def __init__(
        self, clock: Clock, *, policy: BackoffPolicy = RESTART, rng: random.Random | None = None
    ) -> None:
        self.clock = clock
        self.policy = policy
        self.rng = rng or random.Random()
        self.stopping = asyncio.Event()
        self.fatal_error: str | None = None
        self.statuses: dict[str, Status] = {}
        self._runs: dict[str, Run] = {}
        self._backoffs: dict[str, Backoff] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}  # the current incarnation of each
        self._helpers: set[asyncio.Task[Any]] = set()  # restart timers and scheduler jobs
        # Tasks whose work in hand is safe to drop (each Redis step atomic, nothing
        # acknowledged before it is done): a stop cancels them at once instead of waiting.
        self._interruptible: set[str] = set()
        self._cut: set[asyncio.Task[Any]] = set()  # running jobs of that kind

    async def sleep(self, seconds: float) -> bool:
        """Sleep unless stopping; return True if the supervisor is stopping."""
        return await sleep_or_stop(self.clock, seconds, self.stopping)

    def start(self, name: str, run: Run, *, interruptible: bool = False) -> None:
        """Run `run()` as task `name`; restart it whenever it ends unless stopping.

        A task started this way reports success with `ok(name)` (`loop` does it per step).
        An `interruptible` task is cancelled at once by `stop`; others get its grace.
        """
        if name in self._runs:
            raise ValueError(f"a task named {name!r} is already supervised")
        self._runs[name] = run
        if interruptible:
            self._interruptible.add(name)
        self._backoffs[name] = Backoff(self.policy, self.rng)
        self.statuses[name] = Status()
        self._spawn(name)

    def loop(self, name: str, step: Step, *, interruptible: bool = False) -> None:
        """Run `step()` again and again as task `name`, waiting what each step returns."""

        async def run() -> None:
            while not self.stopping.is_set():
                wait = await step()
                self.ok(name)
                if wait and await self.sleep(wait):
                    return

        self.start(name, run, interruptible=interruptible)

    def job(
        self, name: str, step: Callable[[], Awaitable[object]], *, interruptible: bool = False
    ) -> Run:
        """Wrap a periodic step for a scheduler: failures feed the same health and logs."""
        self.statuses.setdefault(name, Status())

        async def run() -> None:
            if self.stopping.is_set():
                return
            # The step runs in a task of its own, which stop() may cancel: cancelling the
            # scheduler's task instead could land after the step returned, and the
            # scheduler would log that as a job failing with a traceback.
            task = asyncio.ensure_future(step())
            self._helpers.add(task)
            if interruptible:
                self._cut.add(task)
            try:
                await task
            except asyncio.CancelledError:
                if not self.stopping.is_set():
                    raise
                # Cancelled by stop(): the scheduler would log this as a failed job.
            except Exception as exc:
                self.failed(name, exc)
            else:
                self.ok(name)
            finally:
                self._helpers.discard(task)
                self._cut.discard(task)

        return run

    def ok(self, name: str) -> None:
        """Record a success of `name`; log once if it ends a failure streak."""
        status = self.statuses.setdefault(name, Status())
        if status.state is State.OK and status.since is None:
            return
        if status.since is not None and not status.quiet:
            down_for = (self.clock.now() - status.since).total_seconds()
            log.info(
                "%s recovered after %d failures (%.1fs)",
                name,
                status.failures,
                down_for,
                extra={"event": "task_recovered", "task": name, "failures": status.failures},
            )
        self.statuses[name] = Status()
        if name in self._backoffs:
            self._backoffs[name].reset()

    def failed(self, name: str, exc: BaseException) -> None:
        """Record a failure of `name`; log it only if it starts a failure streak."""
        status = self.statuses.setdefault(name, Status())
        status.failures += 1
        status.last_error = f"{type(exc).__name__}: {exc}"[:500]
        status.state = State.FAILING
        redis_away = isinstance(exc, REDIS_AWAY)
        if status.since is not None and (redis_away or not status.quiet):
            return  # once per streak, not once per retry
        if status.since is None:
            status.since = self.clock.now()
        status.quiet = redis_away
        extra = {"event": "task_failed", "task": name, "error": status.last_error}
        if redis_away:
            log.debug("%s failed while Redis is away: %s", name, status.last_error, extra=extra)
            return
        if isinstance(exc, OUTAGES):
            log.error("%s failed, retrying with backoff: %s", name, status.last_error, extra=extra)
        else:
            log.error("%s failed, retrying with backoff", name, exc_info=exc, extra=extra)

    def fatal(self, message: str) -> None:
        """Give up: record why and stop everything (the CLI exits non-zero with `message`)."""
        if self.fatal_error is None:
            self.fatal_error = message
        self.stopping.set()

    def snapshot(self) -> dict[str, dict[str, object]]:
        """Return each task's and job's status for health."""
        return {name: status.to_json() for name, status in sorted(self.statuses.items())}

    async def stop(self, grace: float = 0.5) -> None:
        """Wake every sleeper, cancel interruptible tasks, give the others `grace` seconds
        to finish (a reply or page in flight), then cancel the rest."""
        self.stopping.set()
        pending = [t for t in (*self._tasks.values(), *self._helpers) if not t.done()]
        if not pending:
            return
        for task in pending:
            if task.get_name() in self._interruptible or task in self._cut:
                task.cancel()  # what it read and did not acknowledge is read again
        _, late = await asyncio.wait(pending, timeout=grace)
        for task in late:
            task.cancel()  # an unacknowledged batch is read again after a restart
        await asyncio.gather(*late, return_exceptions=True)

    def _spawn(self, name: str) -> None:
        task = asyncio.create_task(self._runs[name](), name=name)
        self._tasks[name] = task
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        name = task.get_name()
        if task.cancelled():
            return
        exc = task.exception()
        if self.stopping.is_set():
            if isinstance(exc, OUTAGES):  # Redis went first, say while it could not restart
                log.debug("%s failed while stopping: %s", name, exc)
            elif exc is not None:
                log.error("%s failed while stopping", name, exc_info=exc)
            return
        self.failed(name, exc or RuntimeError(f"{name} returned while it should run"))
        delay = self._backoffs[name].next()
        timer = asyncio.create_task(self._restart_after(name, delay), name=f"{name}:restart")
        self._helpers.add(timer)
        timer.add_done_callback(self._helpers.discard)

    async def _restart_after(self, name: str, delay: float) -> None:
        if await self.sleep(delay):
            return
        self.statuses[name].state = State.RESTARTING
        self._spawn(name)
