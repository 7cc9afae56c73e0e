"""The guard every generated draft passes before anyone sees it: the style check, the
channel's manners, and a fact guard. A number, price, date, link, phone number or promise
of compensation the brand's files, the FAQ answers given and the mention do not hold
drops the draft; so does one that echoes an injection or speaks of its instructions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from responder.drafts.llm.brief import Brief, Kit
from responder.drafts.said import sentences
from responder.drafts.style import check

_NUMBER = re.compile(r"\d+(?:[.:/-]\d+)*")
_UNIT = re.compile(r"\s*(个工作日|工作日|小时|分钟|元|块|折|倍|天|周|个月|月|年|日|号|%|％)")
_HAN_AMOUNT = re.compile(
    r"[零一二两三四五六七八九十百千万]+\s*(?:元|块钱?|折|倍|个工作日|个?小时|分钟|天内|天之内|天后|日内)"
)
_WHEN = re.compile(
    r"明天|后天|下周|下礼拜|下星期|下个月|月底|今晚|今天之内|今天内|今天就|本周内|周末前"
    r"|马上到账|立刻到账|立即到账|秒到账"
)
_LINK = re.compile(
    r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#@!$&*+=%]+"
    r"|[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+"
    r"|(?<![a-z0-9.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|io|me|example|top|xyz|cc)"
    r"(?![a-z0-9-])",
    re.I | re.A,
)
# Promises only the brand's written policy may make; the mention asking for one is no offer.
_COMPENSATION = re.compile(
    r"赔偿|补偿|赔付|赔钱|赔你|包赔|退款|退钱|退差价|返现|红包|优惠券|代金券|抵用券|免单|免费|换新"
    r"|补贴|赠品|礼品|积分|现金|折扣|打折|送你|送您|报销"
    r"|compensat\w*|refund\w*|voucher\w*|coupon\w*|free\b|discount\w*|gift\w*|reimburs\w*",
    re.I,
)
# A mention trying to steer the model, and a draft speaking of its own instructions.
INJECTION = re.compile(
    r"忽略(?:之前|以上|前面|上面|上述|所有|你的)|无视(?:之前|以上|前面|上面|所有)|"
    r"ignore\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|earlier)|disregard\s+"
    r"|(?:^|\s)(?:system|assistant|developer)\s*[:：]|系统\s*[:：]|新的指令|现在你是|you are now",
    re.I,
)
_LEAK = re.compile(
    r"提示词|系统提示|系统指令|prompt|json|[{}]|\"drafts\"|语言模型|大模型|资料里|这些说明"
    r"|不是给你的|(?:my|these|the above) instructions|as an ai|作为(?:一个)?(?:ai|人工智能|模型)"
    r"|我是(?:一个)?(?:ai|人工智能|机器人|模型)",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The drafts kept, and each dropped one with why."""

    kept: tuple[str, ...]
    dropped: tuple[tuple[str, str], ...]


def judge(kit: Kit, brief: Brief, drafts: tuple[str, ...], most: int) -> Verdict:
    """Keep at most `most` drafts that pass every check, in the model's order."""
    kept: list[str] = []
    dropped: list[tuple[str, str]] = []
    used = {s for text in brief.templates for s in sentences(text)}
    for text in drafts:
        reason = refusal(kit, brief, text, used)
        if reason:
            dropped.append((text, reason))
        elif len(kept) < most:
            kept.append(text)
            used.update(sentences(text))
    return Verdict(kept=tuple(kept), dropped=tuple(dropped))


def refusal(kit: Kit, brief: Brief, text: str, used: AbstractSet[str] = frozenset()) -> str:
    """Why a generated draft may not be offered ("" when it may)."""
    folded = fold(text)
    if INJECTION.search(text) or _echoes(brief.text, folded):
        return "injection"
    if _LEAK.search(text):
        return "leak"
    if (name := brief.author.name.strip()) and not brief.name and fold(name) in folded:
        return "name"  # a platform id is no name
    if len(brief.author.id) >= 5 and fold(brief.author.id) in folded:
        return "name"
    said = fold("\n".join([brief.text, *(s.text for s in brief.thread if s.who == "same")]))
    files = fold("\n".join([*kit.brand_facts.values(), *_faq(brief), *brief.known_facts.values()]))
    corpus = said + "\n" + files + "\n" + fold(brief.product)
    if reason := _facts(folded, corpus, files):
        return reason
    if kit.manners.refusal(text, channel=brief.channel, given=brief.facts.given):
        return "manners"
    findings = check(
        text, platform=brief.platform, channel=brief.channel, tone=brief.tone, rules=kit.style
    )
    if findings:
        return f"style:{findings[0].rule}"
    own = sentences(text)
    if not own or not used.isdisjoint(own):
        return "repeat"
    return ""


def fold(text: str) -> str:
    """Width, case and spaces folded: "４８ 小时" is "48小时"."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def _facts(folded: str, corpus: str, files: str) -> str:
    for match in _NUMBER.finditer(folded):
        number = match.group(0)
        if not re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", corpus):
            return "number"
        unit = _UNIT.match(folded, match.end())
        if unit and number + unit.group(1) not in corpus:
            return "number"
    for pattern, reason in ((_HAN_AMOUNT, "number"), (_WHEN, "date"), (_LINK, "link")):
        for found in pattern.finditer(folded):
            if found.group(0).rstrip(".,:;!?") not in corpus:
                return reason
    for found in _COMPENSATION.finditer(folded):
        if found.group(0) not in files:
            return "compensation"
    return ""


def _faq(brief: Brief) -> list[str]:
    return [text for entry in brief.faq for text in (entry.answer, entry.answer_en) if text]


def _echoes(mention: str, folded: str) -> bool:
    """Whether a draft repeats words of an injection the mention carries (6 characters
    in a row of the sentence around it)."""
    for found in INJECTION.finditer(mention):
        start = max(0, mention.rfind("。", 0, found.start()) + 1)
        end = min(len(mention), found.end() + 40)
        part = fold(mention[start:end])
        if any(part[i : i + 6] in folded for i in range(max(1, len(part) - 5))):
            return True
    return False
