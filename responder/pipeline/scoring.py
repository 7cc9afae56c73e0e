"""Scoring, understanding and drafting in a process pool, off the event loop."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Mapping
from concurrent.futures import CancelledError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from enum import StrEnum
from multiprocessing import util
from multiprocessing.synchronize import SemLock
from pathlib import Path

from responder.drafts.suggest import Job, Suggestion, start, suggest_all
from responder.drafts.understand_model import Installed
from responder.library.shelf import Ref
from responder.procs import parent_death_hook

log = logging.getLogger(__name__)

WATCH_EVERY = 0.5  # seconds between a worker's looks at whether Tiexin still lives
SETTLE_WITHIN = 300.0  # seconds the workers get to start and load before we stop asking
STOP_BOUND = 5.0  # seconds a killed worker may take to be gone


class State(StrEnum):
    """What health says of the scoring pool."""

    WARMING = "warming"  # workers are starting and loading the model: nothing is scored yet
    OK = "ok"
    DOWN = "down"  # stopped, or a worker died (the next batch starts a new pool)


def _init_worker(parent: int, death_signal: bool, directory: Path | None, zone: str) -> None:
    """Tie this worker's life to Tiexin's, then load the model, lexicon and templates."""
    # The parent-death signal is only safe when the forking thread lasts as long as Tiexin;
    # the watchdog covers every other case and platforms without prctl.
    hook = parent_death_hook(parent, signal.SIGKILL) if death_signal else None
    if hook is not None:
        hook()  # nothing to flush in a worker, so the signal is SIGKILL
    threading.Thread(target=_watch_parent, args=(parent,), name="watchdog", daemon=True).start()
    start(directory, zone)


def _attached() -> int:
    """Say which worker ran this; a little slow, so that every worker gets one."""
    time.sleep(0.02)
    return os.getpid()


def _watch_parent(parent: int) -> None:
    """Exit this worker once Tiexin is gone (it is re-parented), so nothing outlives it."""
    while os.getppid() == parent:
        time.sleep(WATCH_EVERY)
    os._exit(1)


class ScoringPool:
    """A pool of worker processes holding the sentiment model, lexicon and templates."""

    def __init__(
        self, processes: int = 1, *, templates: Path | None = None, zone: str = "Asia/Shanghai"
    ) -> None:
        self.processes = processes
        self.templates = templates
        self.zone = zone
        self._pool: ProcessPoolExecutor | None = None
        self._ready: ProcessPoolExecutor | None = None  # the pool once every worker is up
        self._settled = threading.Condition()

    def start(self) -> None:
        """Start the workers now; they load the model at once, not on the first mention."""
        context = multiprocessing.get_context("spawn")  # no fork of a running event loop
        # The executor spawns a worker in the thread that submits while none is idle, so one
        # no-op per worker spawns them all here, from a thread we can judge.
        main = threading.current_thread() is threading.main_thread()
        pool = ProcessPoolExecutor(
            self.processes,
            mp_context=context,
            initializer=_init_worker,
            initargs=(os.getpid(), main, self.templates, self.zone),
        )
        for _ in range(self.processes):
            pool.submit(os.getpid)
        self._pool = pool
        settle = threading.Thread(target=self._settle, args=(pool,), name="scoring", daemon=True)
        settle.start()

    def _settle(self, pool: ProcessPoolExecutor) -> None:
        """Wait until every worker has loaded (a task of each came back), then mark the pool
        ready and let go of the pool's named semaphores, which the workers now hold open."""
        try:
            if self._every_worker_answered(pool):
                _release_semaphores(pool)
                with self._settled:
                    if self._pool is pool:
                        self._ready = pool
            else:
                log.warning("scoring workers did not all start within %.0fs", SETTLE_WITHIN)
        except (BrokenProcessPool, CancelledError, RuntimeError):
            pass  # the pool broke or was stopped meanwhile: health says so
        finally:
            with self._settled:
                self._settled.notify_all()

    def _every_worker_answered(self, pool: ProcessPoolExecutor) -> bool:
        limit, seen = time.monotonic() + SETTLE_WITHIN, set[int]()
        while time.monotonic() < limit:
            workers = set(getattr(pool, "_processes", None) or {})
            if workers and workers <= seen:
                return True
            batch = [pool.submit(_attached) for _ in range(self.processes)]
            seen.update(f.result() for f in batch)
        return False

    def reload(self, templates: Path | None, zone: str) -> None:
        """Start new workers on other templates (a config reload); the old ones finish
        the batch in hand, then exit."""
        old = self._pool
        self.templates, self.zone = templates, zone
        with self._settled:
            self._ready = None
        self.start()
        if old is not None:
            old.shutdown(wait=False)

    def state(self) -> State:
        """Say whether the pool can score now (for health)."""
        if self._pool is None or not self.alive():
            return State.DOWN
        return State.OK if self._ready is self._pool else State.WARMING

    def wait_ready(self, timeout: float = SETTLE_WITHIN) -> bool:
        """Block until every worker has loaded (tests, benchmarks); False if it did not."""
        with self._settled:
            self._settled.wait_for(lambda: self.state() is not State.WARMING, timeout)
        return self.state() is State.OK

    async def suggest(
        self,
        jobs: list[Job],
        ranking: Mapping[str, float] | None = None,
        model: Installed | None = None,
        library: Ref | None = None,
    ) -> list[Suggestion]:
        """Suggest for jobs across the workers (one thread's jobs stay in one chunk, in
        order); a crashed pool is replaced and the batch retried. `model`: the installed
        understanding model, which each worker loads before the batch if it is new there;
        `library`: the team's best replies, loaded alike when their version is new."""
        if self._pool is None:
            self.start()
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self._pool
            assert pool is not None
            chunks = _chunks(jobs, self.processes)
            try:
                parts = await asyncio.gather(
                    *(
                        loop.run_in_executor(
                            pool, suggest_all, [jobs[i] for i in chunk], ranking, model, library
                        )
                        for chunk in chunks
                    )
                )
                found = {
                    i: s
                    for chunk, part in zip(chunks, parts, strict=True)
                    for i, s in zip(chunk, part, strict=True)
                }
                return [found[i] for i in range(len(jobs))]
            except BrokenProcessPool:
                if attempt == 2 or self._pool is not pool:  # or stopped meanwhile
                    raise
                log.warning("a scoring process died; starting a new pool and retrying")
                pool.shutdown(wait=False, cancel_futures=True)
                self.start()
        raise AssertionError("unreachable")

    async def ready(self) -> None:
        """Wait until every worker has loaded (benchmarks time the work, not the start)."""
        if self._pool is None:
            self.start()
        loop, pool = asyncio.get_running_loop(), self._pool
        # One short busy task per worker: each can only start once its worker is loaded.
        await asyncio.gather(
            *(loop.run_in_executor(pool, time.sleep, 0.05) for _ in range(self.processes))
        )

    def alive(self) -> bool:
        """Say whether the pool runs with every worker process alive (for health)."""
        pool = self._pool
        if pool is None:
            return False
        # The executor keeps its workers private; reading them beats assuming they are up.
        workers = getattr(pool, "_processes", None) or {}
        return not getattr(pool, "_broken", False) and all(w.is_alive() for w in workers.values())

    def stop(self) -> None:
        """Stop the workers now, dropping the work they hold.

        Waiting for a batch in hand made a stop under load take a second or more, and its
        result would be thrown away: the pipeline has stopped and acknowledges nothing more,
        so those entries are read again at the next start.
        """
        pool, self._pool, self._ready = self._pool, None, None
        if pool is None:
            return
        workers = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.kill()  # nothing to flush in a worker (see _init_worker)
        for worker in workers:
            worker.join(STOP_BOUND)


def _release_semaphores(pool: ProcessPoolExecutor) -> None:
    """Unlink the named semaphores of the pool's queues now that every worker holds them.

    With the spawn start method they must have names for the workers to open, and the
    multiprocessing resource tracker unlinks them when we exit; after a kill -9 it still
    does, warning of "leaked semaphore objects". Running each semaphore's own cleanup early
    (unlink, and untrack) leaves nothing to leak. The pool never starts another worker (one
    dying breaks it, and `suggest` starts a new pool), so no process needs the names again.
    """
    names: set[str] = set()
    for queue in (getattr(pool, "_call_queue", None), getattr(pool, "_result_queue", None)):
        for value in vars(queue).values() if queue is not None else ():
            name = getattr(getattr(value, "_semlock", None), "name", None)
            if isinstance(value, SemLock) and name:
                names.add(name)
    registry = getattr(util, "_finalizer_registry", {})
    cleanup = getattr(SemLock, "_cleanup", None)
    for finalizer in list(registry.values()):
        args = getattr(finalizer, "_args", None)
        if getattr(finalizer, "_callback", None) is cleanup and args and args[0] in names:
            finalizer()  # runs once: sem_unlink and unregister, then leaves the registry


def _chunks(jobs: list[Job], processes: int) -> list[list[int]]:
    """Split job indexes into about one chunk per process, keeping each thread together."""
    size = max(16, -(-len(jobs) // processes))
    groups: dict[str, list[int]] = {}
    for i, job in enumerate(jobs):
        groups.setdefault(job.thread or f"#{i}", []).append(i)
    chunks: list[list[int]] = [[]]
    for group in groups.values():
        if chunks[-1] and len(chunks[-1]) + len(group) > size:
            chunks.append([])
        chunks[-1].extend(group)
    return chunks
