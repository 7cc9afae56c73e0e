"""`tiexin drafts train`: retrain the understanding model from the labelled set plus the
intent and sentiment corrections agents made, show it against the installed one on the
held-out set, write it into the data directory and install it in running processes
(responder.store.models: pipelines load it within pipeline.worker.MODEL_EVERY seconds)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from responder.cli.drafts import labelled_set
from responder.clock import SystemClock
from responder.config import Config
from responder.drafts.data import ALL_INTENTS
from responder.drafts.understand_eval import Figures, evaluate, read_rows
from responder.drafts.understand_model import Installed, UnderstandModel, save
from responder.pipeline.inputs import MODEL_EVERY


def sklearn_missing() -> bool:
    """Whether the `train` extra is missing here."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return True
    return False


async def retrain(config: Config, args: argparse.Namespace) -> int:
    """Train, compare, write and install; return the exit status."""
    if sklearn_missing():
        print(
            "tiexin: training needs the train extra (scikit-learn, numpy, scipy):"
            " pip install -e '.[train]'",
            file=sys.stderr,
        )
        return 2
    from responder.drafts.understand_train import Recipe, train
    from responder.store.connect import open_store
    from responder.store.models import corrections, install, installed

    base, held_path = args.base or labelled_set("train"), args.heldout or labelled_set("heldout")
    for path in (base, held_path):
        if not path.is_file():
            raise ValueError(f"{path}: no such labelled set (give --base / --heldout)")
    if not args.weight > 0:
        raise ValueError(f"--weight {args.weight}: give a positive number")
    rows, held = read_rows(base), read_rows(held_path)
    async with open_store(config.redis, share_running=True, retention=config.retention) as store:
        fixes = _usable(await corrections(store.redis, store.keys))
        current = await installed(store.redis, store.keys)
        intents = sum("intent" in f for f in fixes)
        print(
            f"training on {len(rows)} labelled mentions and {len(fixes)} corrected by agents"
            f" ({intents} intents, {len(fixes) - intents} sentiments only; each weighs"
            f" {args.weight:g})"
        )
        weights = [1.0] * len(rows) + [args.weight] * len(fixes)
        trained = await asyncio.to_thread(train, [*rows, *fixes], Recipe(), weights)
        path, sha = _write(config.redis.data_dir / "models", trained, len(rows), len(fixes))
        before = await asyncio.to_thread(evaluate, _loaded(current), held)
        after = await asyncio.to_thread(evaluate, UnderstandModel(path), held)
        _compare(before, after)
        done = await install(
            store.redis, store.keys, str(path), sha, SystemClock().now(), getpass.getuser()
        )
    print(
        f"installed version {done.version}: {path} (sha256 {sha[:12]}); running pipelines"
        f" load it within {MODEL_EVERY:g} s, without a restart"
    )
    return 0


def _usable(fixes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Corrections whose intent is one the model knows (an unknown one is skipped, said)."""
    out = []
    for fix in fixes:
        if "intent" in fix and fix["intent"] not in ALL_INTENTS:
            print(f"skipped a correction to unknown intent {fix['intent']!r}", file=sys.stderr)
            fix = {k: v for k, v in fix.items() if k != "intent"}
        if "intent" in fix or "sentiment" in fix:
            out.append(fix)
    return out


def _write(directory: Path, trained: Any, rows: int, fixes: int) -> tuple[Path, str]:
    """Write the model under its sha256 (a new name each time: a process reading the old
    file is never disturbed) and return the path and the sha256."""
    directory.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(".part", "understand-", directory)
    os.close(handle)
    temporary = Path(name)
    provenance = {"trained_on": {"labelled": rows, "corrections": fixes}}
    save(temporary, trained.heads, trained.names, trained.entries, trained.scale, provenance)
    sha = hashlib.sha256(temporary.read_bytes()).hexdigest()
    path = (directory / f"understand-{sha[:16]}.tum.gz").resolve()
    temporary.replace(path)
    return path, sha


def _loaded(current: Installed | None) -> UnderstandModel:
    """The model running processes use now."""
    if current is not None and Path(current.path).is_file():
        return UnderstandModel(Path(current.path))
    return UnderstandModel()


def _compare(before: Figures, after: Figures) -> None:
    print(f"held-out set, {after.n} mentions:")
    print(f"  before: {before.line()}")
    print(f"  after:  {after.line()}")
