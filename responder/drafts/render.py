"""Render a mention's drafts from the Jinja2 blocks in templates/drafts/, compiled once."""

from __future__ import annotations

import hashlib
import logging
import re
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
from jinja2 import nodes

from responder.drafts.jinja_env import PLAIN, DraftEnvironment
from responder.drafts.learning import UNSEEN
from responder.drafts.manners import Manners
from responder.drafts.said import near, no_restated_lead, one_colon, sentences
from responder.drafts.style import StyleRules, check

TONES = ("upset", "happy", "question", "neutral", "crisis")
# Every variable and function a template may use (templates/drafts/README.md lists them).
VARIABLES = frozenset(
    {
        *("name", "platform", "channel", "short", "product", "brand", "time", "festival"),
        *("holiday", "makeup_workday", "playful", "words", "crisis_words", "safety", "big"),
        *("who", "facts", "lang", "kb", "festive", "topic_en", "after_us", "asked"),
        *("one_of", "fun"),
    }
)
DRAFTS = 3
GENERAL = "_general"
ENGLISH = "_english"  # the drafts of a mention written in English (no Chinese fallback)
_BLOCK = re.compile(r"^(?P<tone>[a-z]+)_\w+$")
# A link with Chinese straight after it ("…/orders物流查不到"): apps read the characters as
# part of the link, so a space goes between.
_URL_THEN_TEXT = re.compile(r"(https?://[\x21-\x7e]+?)(?=[\u4e00-\u9fff])")
_VARIATIONS = 4  # renderings of one block tried before giving up on it for a mention


Render = Callable[[jinja2.runtime.Context], Iterator[str]]
log = logging.getLogger(__name__)


class TemplateProblem(Exception):
    """A template that cannot be used, with its file and line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("reply templates:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class Draft:
    """One suggested reply and the template block that produced it."""

    text: str
    template: str  # "<file>/<block>", e.g. "shipping/upset_2"


@dataclass(frozen=True, slots=True)
class _Block:
    id: str
    template: jinja2.Template
    render: Render


# Templates compiled in this process, by folder and its files' names, sizes and times: a
# Drafter made again for the same files (a reload that changed something else, a test)
# does not compile them again.
_COMPILED: dict[
    tuple[object, ...], tuple[jinja2.Environment, dict[tuple[str, str], list[_Block]]]
] = {}


def _stamp(directory: Path) -> tuple[object, ...]:
    files = sorted(directory.rglob("*.j2"))
    return (str(directory.resolve()), *((str(f), *_size_and_time(f)) for f in files))


def _size_and_time(path: Path) -> tuple[int, int]:
    found = path.stat()
    return found.st_size, found.st_mtime_ns


class Templates:
    """Every draft block, by file stem and tone; compiled once when loaded."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._candidates: dict[tuple[str, str], list[_Block]] = {}  # made once each
        self.blocks: dict[tuple[str, str], list[_Block]] = {}
        stamp = _stamp(directory)
        if (known := _COMPILED.get(stamp)) is not None:  # the same files: compiled already
            self.env, self.blocks = known
            return
        self.env = DraftEnvironment(
            loader=jinja2.FileSystemLoader(str(directory)),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # plain text for social platforms, not HTML
            trim_blocks=True,
            lstrip_blocks=True,
        )
        problems: list[str] = []
        for name in sorted(self.env.list_templates(filter_func=lambda n: n.endswith(".j2"))):
            try:
                template = self.env.get_template(name)
            except jinja2.TemplateSyntaxError as exc:
                problems.append(f"{name}:{exc.lineno}: {exc.message}")
                continue
            problems += _unknown_names(self.env, directory / name, name)
            stem = name.removesuffix(".j2")
            for block, render in template.blocks.items():
                if block.startswith("_"):
                    continue  # a helper other blocks call as self._name()
                match = _BLOCK.match(block)
                if match is None or match["tone"] not in TONES:
                    line = _line_of(directory / name, _block_tag(block))
                    problems.append(
                        f"{name}:{line}: block {block!r} is not <tone>_<label> with a tone "
                        f"of {', '.join(TONES)}"
                    )
                    continue
                key = (stem, match["tone"])
                self.blocks.setdefault(key, []).append(_Block(f"{stem}/{block}", template, render))
        if problems:
            raise TemplateProblem(problems)
        _COMPILED[stamp] = (self.env, self.blocks)

    def candidates(self, intent: str, tone: str) -> list[_Block]:
        """Return the intent's blocks for a tone, then the general ones."""
        found = self._candidates.get((intent, tone))
        if found is None:
            own = self.blocks.get((intent, tone), [])
            general = [] if intent == ENGLISH else self.blocks.get((GENERAL, tone), [])
            found = own + [b for b in general if b not in own]
            self._candidates[(intent, tone)] = found
        return list(found)

    def render(self, block: _Block, variables: Mapping[str, Any], seed: str) -> str:
        """Render one block; `seed` decides what one_of picks, so output is reproducible."""
        state = zlib.crc32(seed.encode())
        playful = bool(variables.get("playful"))

        def pick(options: tuple[str, ...]) -> str:
            # A 64-bit LCG (Knuth's MMIX constants): seeding random.Random cost more than
            # the rest of a render, and a draft needs only a few stable picks.
            nonlocal state
            state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
            return options[(state >> 33) % len(options)] if options else ""

        def one_of(*options: str) -> str:
            return pick(options)

        def fun(*options: str) -> str:
            return pick(options) if playful else ""

        # shared: the variables are the context as they are, no merge with globals (none).
        context = block.template.new_context(
            {**variables, "one_of": one_of, "fun": fun}, shared=True
        )
        try:
            text = "".join(block.render(context))
        except Exception:
            # What Template.render does: the traceback then names template file and line.
            block.template.environment.handle_exception()
        joined = " ".join("".join(line.strip() for line in text.splitlines()).split())
        return _URL_THEN_TEXT.sub(r"\1 ", joined)  # a link must end where the link ends


# one_of and fun take no context: Jinja calls them without its argument checks.
PLAIN.update(
    c
    for c in Templates.render.__code__.co_consts
    if isinstance(c, CodeType) and c.co_name in VARIABLES
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """What drafting needs to know of one mention."""

    intent: str
    tone: str
    platform: str
    channel: str
    variables: Mapping[str, Any]
    seed: str  # stable per mention, so a mention's drafts can be made again alike
    avoid: frozenset[str] = frozenset()  # sentences already said or drafted in its thread
    given: frozenset[str] = frozenset()  # what the person gave: never asked for again
    # The knowledge answer to what they asked ("" for none): drafts that quote it go first,
    # so a question the brand's files answer is answered in every draft that can.
    answer: str = ""
    # The place a person asking where names ("浦东"): "附近门店" becomes "浦东附近的门店".
    near: str = ""
    said: str = ""  # what the mention says: a lead-in naming what they named is kept


def make_drafts(
    request: Request,
    templates: Templates,
    style: StyleRules,
    ranking: Mapping[str, float] | None = None,
    manners: Manners | None = None,
) -> list[Draft]:
    """Return up to three drafts, best first, each passing the style check and keeping the
    channel's manners, none sharing a sentence with another or with what was already said
    in the thread. With `request.answer`, drafts quoting it go first, if the intent's own
    file quotes it anywhere (its judgement that the entry found answers the mention)."""
    order = _rank(templates.candidates(request.intent, request.tone), request.seed, ranking or {})
    made = _Variants(request, templates, style, manners)
    drafts, own_quotes = _pick(order, request, made, request.answer)
    if request.answer and not own_quotes:
        drafts, _ = _pick(order, request, made, "")
    return drafts


_LOOK_FURTHER = 3  # blocks of other files tried for a draft quoting the answer


def _pick(
    order: list[_Block], request: Request, made: _Variants, answer: str
) -> tuple[list[Draft], bool]:
    """The drafts, those quoting `answer` first, and whether a block of the intent's own
    file quoted it (with an answer, it stops looking once the own file's blocks are tried
    and none did, or a few more blocks after)."""
    used = set(request.avoid)
    # The quoted knowledge answer may stand in every draft (said once in the thread, it is
    # in `avoid`): a draft's other sentences are what must differ.
    quoted = set(sentences(getattr(request.variables.get("kb"), "answer", "") or ""))
    drafts: list[Draft] = []
    if not answer:  # the common case: the first three blocks that render fit
        for block in order:
            found = made.first(block, used)
            if found is not None:
                drafts.append(found[0])
                used.update(set(found[1]) - quoted)
                if len(drafts) == DRAFTS:
                    break
        return drafts, False
    spare: list[tuple[Draft, list[str]]] = []  # fit, but do not quote the answer
    own = f"{request.intent}/"
    own_left = sum(1 for block in order if block.id.startswith(own))
    own_quotes = False
    further = _LOOK_FURTHER
    for block in order:
        if not own_left and (not own_quotes or further == 0):
            break
        mine = block.id.startswith(own)
        own_left -= mine
        found = made.first(block, used)
        if found is None:
            continue
        draft, said = found
        if answer not in draft.text:
            further -= not mine
            spare.append((draft, said))
            continue
        own_quotes = own_quotes or mine
        drafts.append(draft)
        used.update(set(said) - quoted)
        if len(drafts) == DRAFTS:
            break
    for draft, said in spare:  # the best of the rest, when too few quote the answer
        if len(drafts) == DRAFTS:
            break
        if not used.intersection(said):
            drafts.append(draft)
            used.update(set(said) - quoted)
    return drafts, own_quotes


class _Variants:
    """A mention's renderings of each block, made once: each that keeps the channel's
    manners and passes the style check, with its sentences (None for one that does not)."""

    def __init__(
        self, request: Request, templates: Templates, style: StyleRules, manners: Manners | None
    ) -> None:
        self.request = request
        self.templates = templates
        self.style = style
        self.manners = manners
        self.made: dict[tuple[str, int], tuple[Draft, list[str]] | None] = {}
        self.broken: set[str] = set()

    def first(self, block: _Block, used: set[str]) -> tuple[Draft, list[str]] | None:
        """The first rendering of a block that repeats no sentence of `used`."""
        for attempt in range(_VARIATIONS):
            if block.id in self.broken:
                return None
            key = (block.id, attempt)
            if key not in self.made:
                self.made[key] = self._make(block, attempt)
            found = self.made[key]
            if found is not None and not used.intersection(found[1]):
                return found
        return None

    def _make(self, block: _Block, attempt: int) -> tuple[Draft, list[str]] | None:
        request = self.request
        try:
            seed = f"{request.seed}|{block.id}|{attempt}"
            text = self.templates.render(block, request.variables, seed)
        except Exception as exc:  # a branch no start-up sample reached: skip the block
            _report_once(block.id, exc)
            self.broken.add(block.id)
            return None
        if request.near:
            text = near(text, request.near, request.variables.get("kb"))
        kb = request.variables.get("kb")
        text = one_colon(no_restated_lead(text, kb, request.said), kb)
        if self.manners is not None:
            if request.channel == "private":
                text = self.manners.private(text)
            if self.manners.refusal(text, channel=request.channel, given=request.given):
                return None
        said = sentences(text)
        if request.intent == ENGLISH:  # its sentences too, not only what ends in ! or ?
            quoted = getattr(request.variables.get("kb"), "answer_en", "") or ""
            said = list(dict.fromkeys([*said, *sentences(text, english=True, quoted=quoted)]))
        if not said:
            return None
        findings = check(
            text,
            platform=request.platform,
            channel=request.channel,
            tone=request.tone,
            rules=self.style,
        )
        if findings:
            return None  # another variation may be shorter or worded otherwise
        return Draft(text=text, template=block.id), said


def _rank(blocks: list[_Block], seed: str, ranking: Mapping[str, float]) -> list[_Block]:
    """Order blocks by learned score (own intent before general on ties), then by a hash of
    the seed, so equally good blocks take turns across mentions."""

    def key(indexed: tuple[int, _Block]) -> tuple[float, bool, bytes]:
        _, block = indexed
        spin = hashlib.blake2b(f"{seed}|{block.id}".encode(), digest_size=4).digest()
        score = ranking.get(block.id, ranking.get(UNSEEN, 0.0))
        return (-score, block.id.startswith(GENERAL), spin)

    return [block for _, block in sorted(enumerate(blocks), key=key)]


def unknown_facts(templates: Templates, facts: Any) -> list[str]:
    """Name each `brand.x.y` a template reads that the brand file does not have, with its
    line, in every branch (a sample render reaches only some)."""
    problems = []
    for name in sorted(templates.env.list_templates(filter_func=lambda n: n.endswith(".j2"))):
        path = templates.directory / name
        tree = templates.env.parse(path.read_text(encoding="utf-8"))
        for node in tree.find_all(nodes.Getattr):
            chain: list[str] = []
            current: nodes.Node = node
            while isinstance(current, nodes.Getattr):
                chain.insert(0, current.attr)
                current = current.node
            if not (isinstance(current, nodes.Name) and current.name == "brand"):
                continue
            value = facts
            for attr in chain:
                if not hasattr(value, attr):
                    dotted = ".".join(["brand", *chain])
                    problems.append(f"{name}:{node.lineno}: {dotted}: brand.toml has no {attr!r}")
                    break
                value = getattr(value, attr)
    return sorted(set(problems))


def _unknown_names(env: DraftEnvironment, path: Path, name: str) -> list[str]:
    """Name each variable a template uses that no mention provides, with its line: found
    in every branch, not only the ones a sample render reaches."""
    problems = []
    for variable in sorted(env.undeclared(name) - VARIABLES):
        word = re.compile(r"\b" + re.escape(variable) + r"\b")
        line = _line_of(path, word)
        problems.append(f"{name}:{line}: unknown variable {variable!r} (see README.md)")
    return problems


_reported: set[str] = set()


def _report_once(block: str, exc: Exception) -> None:
    if block not in _reported:
        _reported.add(block)
        log.error("template block %s cannot render, skipped: %s", block, exc)


def _block_tag(name: str) -> re.Pattern[str]:
    return re.compile(r"\{%-?\s*block\s+" + re.escape(name) + r"\s*-?%\}")


def _line_of(path: Path, tag: re.Pattern[str]) -> int:
    """Return the first line of a file where `tag` matches (1 if none): for messages."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 1
    return next((i for i, line in enumerate(lines, 1) if tag.search(line)), 1)
