"""What the model benches share: time a pass over many items, and a model's load time in
fresh processes."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def passes_ms(work: Callable[[T], object], items: Sequence[T], repeat: int) -> list[float]:
    """Milliseconds per item of each of `repeat` passes over `items`, in this process."""
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        for item in items:
            work(item)
        out.append((time.perf_counter() - started) * 1000 / len(items))
    return out


def load_seconds(code: str, runs: int = 5) -> list[float]:
    """Seconds `code` prints in each of `runs` fresh interpreters (it times its own load)."""
    return [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(runs)
    ]
