"""Sentiment scoring in a process pool, so scoring never blocks the event loop."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from responder.procs import parent_death_hook
from sentiment import Sentiment, score_texts, warm_up

log = logging.getLogger(__name__)

WATCH_EVERY = 0.5  # seconds between a worker's looks at whether Tiexin still lives


def _init_worker(parent: int, death_signal: bool) -> None:
    """Tie this worker's life to Tiexin's, then load the model."""
    # The parent-death signal is only safe when the forking thread lasts as long as Tiexin;
    # the watchdog covers every other case and platforms without prctl.
    hook = parent_death_hook(parent, signal.SIGKILL) if death_signal else None
    if hook is not None:
        hook()  # nothing to flush in a worker, so the signal is SIGKILL
    threading.Thread(target=_watch_parent, args=(parent,), name="watchdog", daemon=True).start()
    warm_up()


def _watch_parent(parent: int) -> None:
    """Exit this worker once Tiexin is gone (it is re-parented), so nothing outlives it."""
    while os.getppid() == parent:
        time.sleep(WATCH_EVERY)
    os._exit(1)


class ScoringPool:
    """A pool of worker processes holding the sentiment model."""

    def __init__(self, processes: int = 1) -> None:
        self.processes = processes
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
            initargs=(os.getpid(), main),
        )
        for _ in range(self.processes):
            pool.submit(os.getpid)
        self._pool = pool

    async def score(self, texts: list[str]) -> list[Sentiment]:
        """Score texts across the workers; a crashed pool is replaced and the batch retried."""
        if self._pool is None:
            self.start()
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self._pool
            assert pool is not None
            size = max(16, -(-len(texts) // self.processes))  # one chunk per process
            chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
            try:
                parts = await asyncio.gather(
                    *(loop.run_in_executor(pool, score_texts, chunk) for chunk in chunks)
                )
                return [sentiment for part in parts for sentiment in part]
            except BrokenProcessPool:
                if attempt == 2:
                    raise
                log.warning("a scoring process died; starting a new pool and retrying")
                pool.shutdown(wait=False, cancel_futures=True)
                self.start()
        raise AssertionError("unreachable")

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
