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
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from responder.drafts.suggest import Job, Suggestion, start, suggest_all
from responder.procs import parent_death_hook

log = logging.getLogger(__name__)

WATCH_EVERY = 0.5  # seconds between a worker's looks at whether Tiexin still lives


def _init_worker(parent: int, death_signal: bool, directory: Path | None, zone: str) -> None:
    """Tie this worker's life to Tiexin's, then load the model, lexicon and templates."""
    # The parent-death signal is only safe when the forking thread lasts as long as Tiexin;
    # the watchdog covers every other case and platforms without prctl.
    hook = parent_death_hook(parent, signal.SIGKILL) if death_signal else None
    if hook is not None:
        hook()  # nothing to flush in a worker, so the signal is SIGKILL
    threading.Thread(target=_watch_parent, args=(parent,), name="watchdog", daemon=True).start()
    start(directory, zone)


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

    async def suggest(
        self, jobs: list[Job], ranking: Mapping[str, float] | None = None
    ) -> list[Suggestion]:
        """Suggest for jobs across the workers (one thread's jobs stay in one chunk, in
        order); a crashed pool is replaced and the batch retried."""
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
                        loop.run_in_executor(pool, suggest_all, [jobs[i] for i in chunk], ranking)
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
                if attempt == 2:
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
        """Stop the workers after the work they hold."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


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
