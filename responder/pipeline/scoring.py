"""Sentiment scoring in a process pool, so scoring never blocks the event loop."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from sentiment import Sentiment, score_texts, warm_up

log = logging.getLogger(__name__)


class ScoringPool:
    """A pool of worker processes holding the sentiment model."""

    def __init__(self, processes: int = 1) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start the workers; they load the model at once, not on the first mention."""
        context = multiprocessing.get_context("spawn")  # no fork of a running event loop
        self._pool = ProcessPoolExecutor(self.processes, mp_context=context, initializer=warm_up)

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

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
