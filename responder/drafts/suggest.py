"""Everything the pipeline learns of a mention before queueing it, in one call per batch:
sentiment, understanding, priority and drafts. Runs in the scoring worker processes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from connectors.model import Author
from responder.drafts.drafter import Drafter, tone_of
from responder.drafts.priority import Priority, priority
from responder.drafts.render import Draft
from responder.drafts.said import sentences
from responder.drafts.understand import Asked, Said, Speaker, Understanding, install, understand_all
from responder.drafts.understand import warm_up as warm_up_understanding
from responder.drafts.understand_model import Installed
from responder.library.shelf import Ref, Shelf, use
from sentiment import Label, Sentiment, score_texts
from sentiment import warm_up as warm_up_sentiment

UNSCORED = Sentiment(score=0.5, label=Label.NEUTRAL, cues=("(not scored)",))
UNKNOWN_INTENT = "chit_chat"  # a mention that could not be understood still gets a row


@dataclass(frozen=True, kw_only=True)
class Job:
    """One mention to understand and draft for (plain values: it crosses processes)."""

    id: str  # the mention id: seeds the drafts, so they can be made again alike
    text: str
    platform: str
    kind: str
    author: Author
    at: datetime  # when it was written: the time of day and festival of the drafts
    thread: str = ""  # its author's thread (a key): drafts in one thread never repeat
    avoid: frozenset[str] = frozenset()  # sentences said or drafted in that thread before
    reply_to: str | None = "brand"  # "brand", "user" (answers another user) or None
    context: tuple[Said, ...] = ()  # earlier messages of its thread or chat, oldest first


@dataclass(frozen=True, kw_only=True)
class Suggestion:
    """What the pipeline stores on a mention besides the mention itself."""

    understanding: Understanding
    tone: str
    priority: Priority
    drafts: tuple[Draft, ...]

    @property
    def sentiment(self) -> Sentiment:
        return self.understanding.sentiment


_drafter: Drafter | None = None


def start(directory: Path | None = None, zone: str = "Asia/Shanghai") -> Drafter:
    """Load the model, the lexicon and the templates now (a worker's initializer)."""
    global _drafter
    warm_up_sentiment()
    warm_up_understanding()
    _drafter = Drafter(directory, zone=zone)
    return _drafter


def suggest_all(
    jobs: list[Job],
    ranking: Mapping[str, float] | None = None,
    model: Installed | None = None,
    library: Ref | None = None,
) -> list[Suggestion]:
    """Suggest for a batch; the entry point of scoring processes. `model`: the
    understanding model file installed now (`tiexin drafts train`), loaded if new here;
    `library`: the snapshot of the team's best replies, loaded if its version is new here."""
    drafter = _drafter or start()
    install(model)
    shelf = use(library)
    sentiments = score_texts([job.text for job in jobs])
    knowns = understand_all([asked(j, s) for j, s in zip(jobs, sentiments, strict=True)])
    said: dict[str, set[str]] = {}  # sentences drafted in this batch, per thread
    out = []
    for job, known in zip(jobs, knowns, strict=True):
        if job.thread and said.get(job.thread):
            job = replace(job, avoid=job.avoid | said[job.thread])
        suggestion = draft(job, known, drafter, ranking, shelf)
        if job.thread:
            for d in suggestion.drafts:
                said.setdefault(job.thread, set()).update(sentences(d.text))
        out.append(suggestion)
    return out


def suggest(
    job: Job,
    sentiment: Sentiment,
    drafter: Drafter,
    ranking: Mapping[str, float] | None = None,
) -> Suggestion:
    """Understand one scored mention, rank it and draft its replies."""
    return draft(job, understand_all([asked(job, sentiment)])[0], drafter, ranking)


def asked(job: Job, sentiment: Sentiment) -> Asked:
    """What understanding is asked of a job."""
    return Asked(
        text=job.text,
        platform=job.platform,
        sentiment=sentiment,
        kind=job.kind,
        author=speaker(job),
        reply_to=job.reply_to,
        context=job.context,
    )


def draft(
    job: Job,
    known: Understanding,
    drafter: Drafter,
    ranking: Mapping[str, float] | None = None,
    library: Shelf | None = None,
) -> Suggestion:
    """Rank an understood mention and draft its replies."""
    if not known.product:  # what incidents group by (the model may name it already)
        known = replace(known, product=drafter.brand.product_in(job.text))
    drafts = drafter.draft(
        known,
        text=job.text,
        platform=job.platform,
        kind=job.kind,
        author=job.author,
        at=job.at,
        seed=job.id,
        avoid=job.avoid,
        ranking=ranking,
        earlier=tuple(said.text for said in job.context if said.who == "same"),
        ours=next((said.text for said in reversed(job.context) if said.who == "brand"), ""),
        library=library,
    )
    return Suggestion(
        understanding=known,
        tone=drafts.tone,
        priority=rank(known, job.author),
        drafts=drafts.drafts,
    )


def speaker(job: Job) -> Speaker:
    """The author as understanding sees them."""
    author = job.author  # a platform that gives no verified type: the flag is all we know
    verified = author.verified_type or ("personal" if author.verified else "none")
    return Speaker(name=author.name, followers=author.followers, verified=verified)


def unsuggested(job: Job) -> Suggestion:
    """What a mention gets when it cannot be understood: a neutral row, no drafts."""
    known = Understanding(intent=UNKNOWN_INTENT, sentiment=UNSCORED, model_sentiment=UNSCORED)
    return Suggestion(
        understanding=known, tone=tone_of(known), priority=rank(known, job.author), drafts=()
    )


def sample_job(text: str = "预热一下") -> Job:
    """A job for warming workers up and for benchmarks."""
    return Job(
        id="sample",
        text=text,
        platform="weibo",
        kind="comment",
        author=Author(id="a", name="小澜"),
        at=datetime.now().astimezone(),
    )


def rank(known: Understanding, author: Author) -> Priority:
    return priority(
        crisis=known.crisis.flag,
        sentiment=known.sentiment.label,
        intent=known.intent,
        followers=author.followers,
        verified=author.verified,
    )
