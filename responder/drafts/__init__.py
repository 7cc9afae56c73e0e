"""Understanding a mention (intent, crisis, sentiment shown); later, its drafts."""

from responder.drafts.crisis import Crisis
from responder.drafts.data import INTENTS, DataError, Lexicon, load
from responder.drafts.understand import Said, Speaker, Understanding, understand, warm_up

__all__ = [
    "INTENTS",
    "Crisis",
    "DataError",
    "Lexicon",
    "Said",
    "Speaker",
    "Understanding",
    "load",
    "understand",
    "warm_up",
]
