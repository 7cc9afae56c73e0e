"""One call that understands a mention: intent, crisis, spam and the sentiment to show."""

from __future__ import annotations

from dataclasses import dataclass, field

from responder.drafts.crisis import Crisis, detect_crisis
from responder.drafts.data import Lexicon, default_lexicon
from responder.drafts.intent import IntentHit, pick, score_intents
from responder.drafts.tokens import segmenter, tokenize
from responder.drafts.tone import combine, read_tone
from sentiment import Sentiment


@dataclass(frozen=True, kw_only=True)
class Understanding:
    """What a mention is about and how it feels; plain tuples, so it pickles across processes."""

    intent: str
    secondary: tuple[str, ...] = ()
    intent_words: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (intent, words), main first
    crisis: Crisis = field(default_factory=Crisis)
    urgent: bool = False
    spam: bool = False
    question: bool = False  # it asks something
    sentiment: Sentiment  # the combined judgement shown to agents
    model_sentiment: Sentiment  # the model's own, with its raw score

    def words_for(self, intent: str) -> tuple[str, ...]:
        """Return the words that triggered one intent (none for an intent not found)."""
        return dict(self.intent_words).get(intent, ())


def understand(
    text: str, *, platform: str, sentiment: Sentiment, lexicon: Lexicon | None = None
) -> Understanding:
    """Understand one mention; pure, and safe to call in scoring worker processes."""
    lexicon = lexicon or default_lexicon()
    tokens = tokenize(text, lexicon)
    crisis = detect_crisis(tokens.text, lexicon)
    tone = read_tone(tokens, lexicon)
    hits = pick(score_intents(tokens, platform, lexicon), question=tone.question, lexicon=lexicon)
    if crisis.flag:
        hits = [IntentHit(name="crisis", score=0.0, words=crisis.words), *hits]
        hits = [h for h in hits if h.name != "spam"]  # a scam does not report a fire
    main = hits[0].name
    return Understanding(
        intent=main,
        secondary=tuple(h.name for h in hits[1:] if h.words),
        intent_words=tuple((h.name, h.words) for h in hits if h.words),
        crisis=crisis,
        urgent=crisis.flag,
        spam=main == "spam",
        question=tone.question,
        sentiment=combine(sentiment, tone, tokens, intent=main, crisis_words=crisis.words),
        model_sentiment=sentiment,
    )


def warm_up() -> None:
    """Load the data files and the segmenter now (a process-pool initializer)."""
    segmenter(default_lexicon())
