"""What each batch is drafted with besides its mentions, read from Redis now and then:
how agents rate each template, the installed understanding model, the team's library."""

from __future__ import annotations

from dataclasses import dataclass

from responder.clock import Clock
from responder.drafts.understand_model import Installed
from responder.library.config import LibraryConfig
from responder.library.share import Sharing
from responder.library.shelf import Ref
from responder.library.store import Library
from responder.store.models import installed
from responder.store.store import Store

RANKING_EVERY = 60.0  # seconds between reads of what agents made of each draft template
MODEL_EVERY = 5.0  # seconds between looks at which understanding model is installed


@dataclass(frozen=True, slots=True)
class BatchInputs:
    ranking: dict[str, float]
    model: Installed | None
    library: Ref | None


class Inputs:
    """One pipeline's cache of them."""

    def __init__(self, store: Store, clock: Clock, library: LibraryConfig) -> None:
        self.store, self.clock = store, clock
        shelf = Library(store.redis, store.keys, events_maxlen=store.retention.events)
        self.library = Sharing(shelf, library)
        self._ranking: dict[str, float] = {}
        self._ranked_at: float | None = None
        self._model: Installed | None = None
        self._model_at: float | None = None

    async def now(self) -> BatchInputs:
        """What the next batch drafts with."""
        return BatchInputs(
            ranking=await self._learned_ranking(),
            model=await self._installed_model(),
            library=await self.library.ref(self.clock.monotonic(), self.clock.now()),
        )

    async def _learned_ranking(self) -> dict[str, float]:
        now = self.clock.monotonic()
        if self._ranked_at is None or now - self._ranked_at >= RANKING_EVERY:
            self._ranked_at = now
            self._ranking = await self.store.draft_ranking()
        return self._ranking

    async def _installed_model(self) -> Installed | None:
        now = self.clock.monotonic()
        if self._model_at is None or now - self._model_at >= MODEL_EVERY:
            self._model_at = now
            self._model = await installed(self.store.redis, self.store.keys)
        return self._model
