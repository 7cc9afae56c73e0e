"""One call that understands a mention: intent, crisis, spam and the sentiment to show,
and who is speaking and whether they need an answer (the learned model, issue 23)."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from responder.drafts import tone
from responder.drafts.crisis import Crisis
from responder.drafts.data import Lexicon, default_lexicon
from responder.drafts.evidence import Reading, features, named_product, read, strong_crisis
from responder.drafts.facts import language
from responder.drafts.tokens import segmenter
from responder.drafts.understand_model import UNCERTAIN, Installed, Prediction, UnderstandModel
from sentiment import Label, Sentiment

BIG_ACCOUNT = 100_000  # followers from which a mention to the brand always needs an answer
# On a crisis, the chance that the writer is the person it happened to from which they are
# taken to be, even when the model finds an onlooker (bystander, fan) likelier: mistaking
# the person affected for an onlooker sets them aside, the other mistake costs an agent a
# look (docs/understanding.md).
MAYBE_AFFECTED = 0.25
ROLES = ("customer", "bystander", "media", "fan_reply", "brand", "bot")
EN_MODEL_CRISIS = 0.5  # the model alone flags an English crisis without a crisis word from here
VERIFIED = ("none", "personal", "media", "enterprise", "brand")  # an author's verified type
log = logging.getLogger(__name__)
_LABELS = {"neg": Label.NEGATIVE, "neutral": Label.NEUTRAL, "pos": Label.POSITIVE}


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
_refused: set[str] = set()  # sha256 of installed files this process could not use


def model() -> UnderstandModel:
    """The understanding model of this process, loaded on first use."""
    if not _models:
        with _model_lock:
            if not _models:
                _models.append(UnderstandModel())
    return _models[0]


def install(wanted: Installed | None) -> bool:
    """Use an installed model file from now on (scoring workers call this before each
    batch; cheap when it is already in use). A file that is missing, unreadable or not the
    sha256 installed is logged once and the model in use is kept. Returns whether `wanted`
    is in use."""
    if wanted is None:
        return False
    if model().sha256 == wanted.sha256:
        return True
    if wanted.sha256 in _refused:
        return False
    with _model_lock:
        try:
            blob = Path(wanted.path).read_bytes()
            if hashlib.sha256(blob).hexdigest() != wanted.sha256:
                raise ValueError("its sha256 is not the one installed")
            loaded = UnderstandModel(Path(wanted.path))
        except (OSError, ValueError, KeyError) as exc:
            log.error(
                "understand_model_refused version=%d path=%s: %s", wanted.version, wanted.path, exc
            )
            _refused.add(wanted.sha256)
            return False
        _models[:] = [loaded]
    log.info("understand_model_installed version=%d path=%s", wanted.version, wanted.path)
    return True


@dataclass(frozen=True, slots=True, kw_only=True)
class Asked:
    """One mention to understand (the arguments of understand())."""

    text: str
    platform: str
    sentiment: Sentiment
    kind: str = "mention"
    author: Speaker = field(default_factory=Speaker)
    reply_to: str | None = "brand"
    context: tuple[Said, ...] = ()


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
    using: UnderstandModel | None = None,
) -> Understanding:
    """Understand one mention; pure, and safe to call in scoring worker processes.

    The learned model decides; the rules (intents, crisis words, tone words) are evidence
    it weighs, and still name the words behind each intent. A strong crisis-lexicon hit
    (fire, smoke, swelling, injury, a consumer body) flags a crisis even if the model does
    not. `using`: a loaded model file instead of this process's installed one.
    """
    asked = Asked(
        text=text,
        platform=platform,
        sentiment=sentiment,
        kind=kind,
        author=author or Speaker(),
        reply_to=reply_to,
        context=context,
    )
    return understand_all([asked], lexicon=lexicon, using=using)[0]


def understand_all(
    batch: Sequence[Asked], *, lexicon: Lexicon | None = None, using: UnderstandModel | None = None
) -> list[Understanding]:
    """Understand a batch of mentions, as understand() does one (the model scores the whole
    batch at once, which costs less per mention)."""
    lexicon = lexicon or default_lexicon()
    readings, rows, evidence = [], [], []
    for one in batch:
        reading = read(one.text, one.platform, lexicon)
        earlier = [{"who": c.who, "text": c.text} for c in one.context]
        a = one.author
        rows.append(
            {
                "text": one.text,
                "platform": one.platform,
                "kind": one.kind,
                "reply_to": one.reply_to,
                "author": {"name": a.name, "followers": a.followers, "verified": a.verified},
                "context": earlier,
            }
        )
        evidence.append(features(reading, earlier, one.platform, lexicon, one.sentiment.score))
        readings.append(reading)
    predictions = (using or model()).predict_all(rows, evidence)
    return [
        _combine(one, reading, said)
        for one, reading, said in zip(batch, readings, predictions, strict=True)
    ]


def _combine(one: Asked, reading: Reading, said: Prediction) -> Understanding:
    """The model's prediction and the rules' reading of one mention, made one."""
    # The model alone flags a crisis at a low probability, for recall. On English, where the
    # crisis words are few and the model saw few rows, that caught "Is the X7 Pro waterproof?
    # Going snorkelling" (0.28): without a crisis word it must be at least EN_MODEL_CRISIS.
    model_says = said.crisis and (
        bool(reading.crisis.words)
        or said.crisis_probability >= EN_MODEL_CRISIS
        or language(one.text) != "en"
    )
    flagged = model_says or strong_crisis(reading.crisis)
    crisis = reading.crisis if flagged else Crisis()
    if flagged and not crisis.flag:
        crisis = Crisis(flag=True)  # the model's call: no lexicon word to show
    main = said.best_intent
    words = {h.name: h.words for h in reading.hits if h.words}
    if crisis.words:
        words["crisis"] = crisis.words
    others = [h.name for h in reading.picked if h.name != main and h.words]
    label = _LABELS[said.sentiment]
    shown = tone.shown(one.sentiment, label, reading.tone, reading.tokens, crisis.words)
    question = reading.tone.question
    # The person affected and a journalist asking are answered on a crisis, whatever the
    # model says (tests/data/understanding.md: crisis, media_inquiry).
    # When unsure, answer: the person a crisis happened to, media, and a big account
    # speaking to us in their own name are never set aside by the model alone.
    role = said.role
    maybe_affected = dict(said.role_probabilities).get("customer", 0.0) >= MAYBE_AFFECTED
    if flagged and role in ("bystander", "fan_reply") and maybe_affected:
        role = "customer"  # maybe the person it happened to: never set aside on a guess
    speaks = role in ("customer", "media")
    big = one.author.followers >= BIG_ACCOUNT and one.reply_to == "brand" and speaks
    needed = said.reply_needed or (flagged and speaks) or big
    return Understanding(
        intent=main,
        secondary=tuple(others),
        intent_words=tuple((n, words[n]) for n in (main, *others) if n in words),
        crisis=crisis,
        urgent=flagged,
        spam=main == "spam",
        question=question,
        sentiment=shown,
        model_sentiment=one.sentiment,
        intent_confidence=said.intent_confidence,
        uncertain=said.intent == UNCERTAIN,
        role=role,
        reply_needed=needed,
        reply_reason=reply_reason(
            needed, role=role, intent=main, question=question, text=one.text, label=shown
        ),
        aspects=said.aspects,
        product=named_product(reading.tokens.text) or said.product,
    )


def reply_reason(
    needed: bool, *, role: str, intent: str, question: bool, text: str, label: Sentiment
) -> str:
    """Why a mention does or does not need an answer, in the codes of the labelled sets."""
    if needed:
        if role == "media":
            return "media_inquiry"
        if intent == "crisis":
            return "crisis"
        if intent == "greeting":
            return "greeting"
        if question:
            return "question"
        if label.label is Label.NEGATIVE:
            return "complaint"
        positive = label.label is Label.POSITIVE or intent in ("praise", "occasion")
        return "praise" if positive else "request"
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
