"""One call that understands a mention: intent, crisis, spam and the sentiment to show,
and who is speaking and whether they need an answer (the learned model, issue 23)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from responder.drafts.crisis import Crisis, detect_crisis
from responder.drafts.data import Lexicon, default_lexicon
from responder.drafts.intent import IntentHit, pick, score_intents
from responder.drafts.tokens import segmenter, tokenize
from responder.drafts.tone import combine, read_tone
from responder.drafts.understand_model import UnderstandModel
from sentiment import Label, Sentiment

ROLES = ("customer", "bystander", "media", "fan_reply", "brand", "bot")
VERIFIED = ("none", "personal", "media", "enterprise", "brand")  # an author's verified type


@dataclass(frozen=True, slots=True, kw_only=True)
class Speaker:
    """Who wrote a mention, as far as understanding needs to know."""

    name: str = ""
    followers: int = 0
    verified: str = "none"  # one of VERIFIED


@dataclass(frozen=True, slots=True, kw_only=True)
class Said:
    """One earlier message of the same thread or chat, oldest first in a context."""

    who: str  # "same" (the same author), "brand" (our reply) or "other"
    text: str


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
    intent_confidence: float = 1.0  # 0..1, how sure the intent is
    uncertain: bool = False  # under the model's threshold: shown as 意图不确定
    role: str = "customer"  # one of ROLES
    reply_needed: bool = True
    reply_reason: str = ""  # why it does or does not need an answer (tests/data/understanding.md)
    aspects: tuple[tuple[str, str], ...] = ()  # (aspect, polarity), e.g. ("battery", "neg")
    product: str = ""  # the product named or implied ("X7", "Watch S", …; "" for none)

    def words_for(self, intent: str) -> tuple[str, ...]:
        """Return the words that triggered one intent (none for an intent not found)."""
        return dict(self.intent_words).get(intent, ())


_model_lock = threading.Lock()
_models: list[UnderstandModel] = []


def model() -> UnderstandModel:
    """The understanding model of this process, loaded on first use."""
    if not _models:
        with _model_lock:
            if not _models:
                _models.append(UnderstandModel())
    return _models[0]


def understand(
    text: str,
    *,
    platform: str,
    sentiment: Sentiment,
    lexicon: Lexicon | None = None,
    kind: str = "mention",
    author: Speaker | None = None,
    reply_to: str | None = "brand",
    context: tuple[Said, ...] = (),
) -> Understanding:
    """Understand one mention; pure, and safe to call in scoring worker processes."""
    lexicon = lexicon or default_lexicon()
    author = author or Speaker()
    tokens = tokenize(text, lexicon)
    crisis = detect_crisis(tokens.text, lexicon)
    tone = read_tone(tokens, lexicon)
    hits = pick(score_intents(tokens, platform, lexicon), question=tone.question, lexicon=lexicon)
    if crisis.flag:
        hits = [IntentHit(name="crisis", score=0.0, words=crisis.words), *hits]
        hits = [h for h in hits if h.name != "spam"]  # a scam does not report a fire
    main = hits[0].name
    said = model().predict(
        {
            "text": text,
            "platform": platform,
            "kind": kind,
            "reply_to": reply_to,
            "author": {
                "name": author.name,
                "followers": author.followers,
                "verified": author.verified,
            },
            "context": [{"who": c.who, "text": c.text} for c in context],
        }
    )
    shown = combine(sentiment, tone, tokens, intent=main, crisis_words=crisis.words)
    needed = said.reply_needed or (crisis.flag and said.role == "customer")
    return Understanding(
        intent=main,
        secondary=tuple(h.name for h in hits[1:] if h.words),
        intent_words=tuple((h.name, h.words) for h in hits if h.words),
        crisis=crisis,
        urgent=crisis.flag,
        spam=main == "spam",
        question=tone.question,
        sentiment=shown,
        model_sentiment=sentiment,
        intent_confidence=said.intent_confidence,
        role=said.role,
        reply_needed=needed,
        reply_reason=reply_reason(
            needed, role=said.role, intent=main, question=tone.question, text=text, label=shown
        ),
    )


def reply_reason(
    needed: bool, *, role: str, intent: str, question: bool, text: str, label: Sentiment
) -> str:
    """Why a mention does or does not need an answer, in the codes of the labelled sets."""
    if needed:
        if intent == "crisis":
            return "crisis"
        if role == "media":
            return "media_inquiry"
        if question:
            return "question"
        if label.label is Label.NEGATIVE:
            return "complaint"
        return "praise" if label.label is Label.POSITIVE else "request"
    if role == "bot" or intent == "spam":
        return "spam"
    if role == "brand":
        return "own_post"
    if role == "fan_reply":
        return "fan_answered" if question or intent != "chit_chat" else "chatter"
    if role == "bystander":
        bare = not text.strip() or text.strip().startswith("//@") or text.strip() == "转发微博"
        return "bare_repost" if bare else "bystander_reaction"
    return "cheer" if label.label is Label.POSITIVE else "chatter"


def warm_up() -> None:
    """Load the data files, the segmenter and the model now (a process-pool initializer)."""
    segmenter(default_lexicon())
    model()
