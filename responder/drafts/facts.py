"""What a mention (and its author's earlier messages in the thread) says for itself: the
order and courier numbers, the system version, the feature, what it is about in the
person's words (the thing, what went wrong with it and why: "贴膜以后指纹识别不了"), the
model, a person they name, how many times, the occasion, whether a phone number or photos
were given, and its language. Drafts acknowledge these and never ask for what was given
(responder.drafts.manners)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from responder.drafts.asking import question_of, rumour_of
from responder.drafts.fact_words import FactWords, Table, fact_words
from responder.drafts.focus import focus_of, names_a_thing, place_of

_ORDER = re.compile(r"(?<![A-Za-z0-9])(LX\d{6,})|订单号?\s*[:：是为]?\s*([A-Za-z0-9]{8,})", re.I)
_TRACKING = re.compile(
    r"(?<![A-Za-z0-9])((?:SF|JD|YT|ZTO|YD|EMS|JT|STO)\d{8,})|(?:快递|运|物流)单号\s*[:：是为]?\s*"
    r"([A-Za-z0-9]{8,})",
    re.I,
)
# A version only where the text says it is one (澜OS 3.2.1, 升到3.2, 更新了 5.1): a bare
# "99.9" is more often a price.
_VERSION = re.compile(
    r"(?:澜os|系统|版本|升级到?|升到|升完|升了|更新到?|更新了|推送了?|推了|os|\bv)\s*"
    r"(\d{1,2}\.\d{1,2}(?:\.\d{1,2})?)(?![\d.])"
    # or the version before what it did: "3.2更新完", "3.2.1版本"
    r"|(?<![\d.])(\d{1,2}\.\d{1,2}(?:\.\d{1,2})?)\s*(?=更新|版本|系统|升级|推送)",
    re.I,
)
_PHONE = re.compile(r"(?<!\d)1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
_COUNT = re.compile(
    r"第[一二三四五六七八九十两\d]{1,3}[次回趟]|[两三四五六七八九十\d]{1,3}[次回趟]了"
)
# The brand's models as people write them: x6, X7 Pro, note12, Pad 3, buds2, Watch S.
_MODEL = re.compile(
    r"(?<![a-z0-9])(x|note|pad|buds|watch)\s?(\d{1,2}|s\d?)(?![0-9])(\s?pro|p(?![a-z]))?", re.I
)
_MODEL_NAMES = {"x": "X", "note": "Note ", "pad": "Pad ", "buds": "Buds ", "watch": "Watch "}
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余杜叶程魏苏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤"
)
_PERSON = re.compile(
    rf"[{_SURNAMES}](?:师傅|工程师|店长|经理)|(?:客服|店员|快递|售后)(?:小姐姐|小哥哥|小哥|小妹)"
)
# How long they have been with the brand: 整整五年了, 用了三年, 五年老粉.
_SINCE = re.compile(
    r"(?:整整|用了|陪了我|粉了)\s*([一二三四五六七八九十两\d]{1,2}\s?年半?)"
    r"|([一二三四五六七八九十两\d]{1,2}\s?年半?)(?:的)?老粉"
    # "从X3一路用到X7 Pro 五年了": a run of years after they say they kept using us
    r"|(?:一路|一直)用[^，。！？\n]{0,16}?([一二三四五六七八九十两\d]{1,2}\s?年半?)了"
)
_NEGATED = frozenset("不没无别")
_NEGATED_TWO = frozenset({"没有", "不会", "不再", "没再", "从没", "毫无"})  # 没有杂音了, 不会闪
_GONE = re.compile(r"也?(?:没了|好了|没有了|消失了|解决了)")  # 之前的掉帧也没了: no problem now
# Their guess, not what they saw: "是不是电池坏了", "会不会是主板问题" (a draft must not say it back
# as the fact "电池坏了问题").
_GUESS = re.compile(r"(?:是不是|会不会|难道是|是否|该不会)[^，,。！？!?]{0,8}$")
_NEAR_BEFORE = 10  # characters between a thing and what went wrong with it ("手写笔画画老是断触")
_NEAR_AFTER = 3  # a problem said first: "连不上我的MacBook"
# Another brand's phone they name, with its model when given: 小米15, iPhone 11, 华为 Mate 60.
_RIVAL = re.compile(
    r"(?<![a-z])(?:小米|红米|华为|荣耀|苹果|iphone|oppo|vivo|一加|三星|galaxy|pixel|魅族|realme|iqoo)"
    r"(?:\s?(?:mate|nova|find|reno|pura|note|k)?\s?\d{1,2}(?:\s?(?:pro|max|ultra|plus|\+))*)?",
    re.IGNORECASE,
)
# The budget a buyer names, as written: 预算2000, 预算两千, 三千左右.
_BUDGET = re.compile(
    r"预算\s*(?:\d{3,5}|[一二两三四五六七八九]千(?:[一二三四五六七八九]百?)?)\s*(?:块|元|左右|以内|以下)?"
    r"|(?:\d{3,5}|[一二两三四五六七八九]千)\s*(?:块|元)?\s*(?:左右|以内|以下)"
)
# The person's own days among the occasions (facts.toml [occasions]).
LIFE_EVENTS = frozenset({"生日", "周年", "毕业", "新婚", "上岸", "乔迁", "添丁"})
_ECHO_MAX = 6  # characters: a longer phrase is a clause, not a thing to name back
TOPIC_MAX = 16  # characters: a longer topic drops the cause, then the problem
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True, slots=True)
class Facts:
    """A mention's own facts, as the person wrote them ("" when not said)."""

    order: str = ""  # an order number: LX20261111…
    tracking: str = ""  # a courier number: SF…
    version: str = ""  # a system version: 3.2.1
    feature: str = ""  # the feature named, as drafts call it: "NFC", "换机"
    said: str = ""  # the person's own word for what they talk about: "公交卡", "续航"
    problem: str = ""  # what went wrong, as drafts say it: "断触", "滋滋响", "有亮点"
    cause: str = ""  # what led to it: "贴膜", "进水", "升到 3.2"
    topic: str = ""  # what it is about, to echo: "手写笔断触", "贴膜以后指纹识别不了"
    core: str = ""  # the topic without its cause: "指纹识别不了"
    model: str = ""  # the model as named: "X6", "Note 12", "Watch S" (may be no brand product)
    person: str = ""  # a person they name: "王师傅", "客服小姐姐"
    since: str = ""  # how long they have been with us: "五年"
    count: str = ""  # how many times: "第三次"
    occasion: str = ""  # 生日, 中秋, …
    phone: bool = False  # gave a phone number
    photo: bool = False  # says photos or screenshots are attached
    dropped: bool = False  # says the device was dropped or cracked
    still: bool = False  # says what we suggested earlier in the thread did not help
    waiting: bool = False  # says they are still waiting for an update others have
    unshipped: bool = False  # says the order has not shipped yet (待发货): no parcel to chase
    question: str = ""  # their yes-or-no question said back: "X7 Pro 有没有红外"
    rumour: str = ""  # what they heard (听说…): "要把线下澜星之家都关了"
    thanks: bool = False  # they thank us (谢谢你们, 感谢): a friend thanks them back
    unanswered: bool = False  # they say nobody answered them (没人回): sorry for the wait first
    tried: frozenset[str] = frozenset()  # what they already tried: restart, cable, original …
    rival: str = ""  # another brand's phone they name, as written: "小米15", "iPhone 11"
    place: str = ""  # the first place they name: "洱海", "外滩", "冰岛"
    budget: str = ""  # the budget a buyer names, as written: "预算2000", "三千左右"
    subject: str = ""  # who is in the photo, as a friend says it: "猫主子", "宝宝", "爸妈"
    lang: str = "zh"  # "en" for a mention written in English
    text: str = field(default="", repr=False)  # the mention itself: `focus` reads it on demand
    # focus_of(text) once asked for (a fifth of the cost of the facts, and few drafts ask)
    _focus: list[tuple[str, ...]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )

    @property
    def focus(self) -> tuple[str, ...]:
        """Its salient phrases in its own words, best first: ("截长图", "聊天记录")."""
        if not self._focus:
            self._focus.append(focus_of(self.text) if self.lang == "zh" else ())
        return self._focus[0]

    @property
    def echo(self) -> str:
        """The first focus phrase that names a thing (演唱会, 北京地铁, 婚纱照: not a clause
        like 称重瘦), for a draft to name beside what the tables found: Chinese, two to
        six characters, and not a word the other facts already say ("" for none)."""
        said: tuple[str, ...] = (self.said, self.topic, self.person, self.occasion)
        said += (self.feature, self.subject, self.place, self.model)
        for phrase in self.focus:
            for w in said:  # 情人节男朋友 with the occasion 情人节: 男朋友
                if w and w in phrase and len(w) > 1:
                    phrase = phrase.replace(w, "")
            if not (2 <= len(phrase) <= _ECHO_MAX and _CJK.search(phrase)):
                continue
            if any(w and (w in phrase or phrase in w) for w in said):
                continue
            if names_a_thing(phrase):
                return phrase
        return ""

    @property
    def personal(self) -> bool:
        """Whether the occasion is the person's own day (a birthday, a wedding), not a
        festival everyone shares."""
        return self.occasion in LIFE_EVENTS

    @property
    def given(self) -> frozenset[str]:
        """What the person already gave or tried, so a draft must not ask for it again nor
        tell them to try it (manners.toml [given])."""
        found = {"order": self.order, "tracking": self.tracking, "phone": self.phone}
        found |= {"photo": self.photo, "version": self.version}
        return frozenset(name for name, value in found.items() if value) | self.tried


def facts_of(text: str, earlier: Iterable[str] = (), ours: str = "") -> Facts:
    """The facts of a mention; `earlier`: the same author's earlier messages in the thread
    (what they gave there counts as given; the feature and occasion come from the text);
    `ours`: our last answer in the thread (what a bare follow-up is about, when neither it
    nor the person's earlier messages say)."""
    words = fact_words()
    everything = "\n".join([*earlier, text])
    folded = text.lower()
    lang = language(text)
    version = _first(_VERSION, everything)
    about = _about(words, text, folded, _first(_VERSION, text))
    for before in reversed(tuple(earlier)):  # "还是不行": what it is about was said before
        if about.topic:
            break
        about = _about(words, before, before.lower(), _first(_VERSION, before))
    if not about.topic and ours:  # "开了以后屏幕黄得像泡了茶" after our 护眼模式 answer
        thing = _said(words.topics, ours, ours.lower())
        about = _About(problem=about.problem, cause=about.cause, topic=thing, core=thing)
    everything_folded = everything.lower()
    model = _model(text)
    return Facts(
        order=_first(_ORDER, everything),
        tracking=_first(_TRACKING, everything),
        version=version,
        feature=_name(words.features, folded),
        said=_said(words.topics, text, folded),
        problem=about.problem,
        cause=about.cause,
        topic=about.topic,
        core=about.core,
        model=model,
        person=(m.group(0) if (m := _PERSON.search(text)) else ""),
        since=_first(_SINCE, text).replace(" ", ""),
        count=(m.group(0) if (m := _COUNT.search(text)) else ""),
        occasion=_name(words.occasions, folded),
        phone=bool(_PHONE.search(everything)),
        photo=bool(words.photo_words.search(everything_folded)),
        dropped=bool(words.dropped_words.search(folded)),
        still=bool(ours) and bool(words.still_words.search(folded)),
        waiting=bool(words.waiting_words.search(folded)),
        unshipped=bool(words.unshipped_words.search(folded)),
        question=_question(text, model),
        rumour=rumour_of(text),
        thanks=bool(words.thanks_words.search(folded)),
        unanswered=bool(words.unanswered_words.search(folded)),
        tried=frozenset(
            kind for m in words.tried.finditer(everything_folded) for kind in [m.lastgroup] if kind
        ),
        rival=(m.group(0).strip() if (m := _RIVAL.search(text)) else ""),
        place=place_of(text) if lang == "zh" else "",
        subject=_name(words.subjects, folded),
        budget=(m.group(0).strip() if (m := _BUDGET.search(text)) else ""),
        lang=lang,
        text=text,
    )


def _question(text: str, model: str) -> str:
    """question_of(text), with the model they named in front when the question leaves it
    out ("有没有红外" of "X7 Pro 有红外吗": "X7 Pro 有没有红外")."""
    asked = question_of(text)
    plain = asked.lower().replace(" ", "")
    if asked and model and model.lower().replace(" ", "") not in plain and not asked[0].isascii():
        return f"{model} {asked}"
    return asked


def language(text: str) -> str:
    """ "en" for a text mostly in Latin letters with hardly any Chinese, else "zh"."""
    latin, cjk = len(_LATIN.findall(text)), len(_CJK.findall(text))
    return "en" if latin >= 8 and cjk * 4 < latin else "zh"


def _said(topics: Table, text: str, folded: str) -> str:
    """The topic word found first in the text, as the person wrote it, not one they say
    they did not do ("还没贴膜 能退不" is not about 贴膜; "" for none)."""
    source = text if len(text) == len(folded) else folded
    for found in topics.pattern.finditer(folded):
        start = found.start()
        if folded[max(start - 1, 0) : start] in ("没", "未") or folded[
            max(start - 2, 0) : start
        ] in ("没有", "不用", "不想"):
            continue
        return source[start : found.end()]
    return ""


@dataclass(frozen=True, slots=True)
class _About:
    problem: str = ""
    cause: str = ""
    topic: str = ""
    core: str = ""


def _about(words: FactWords, text: str, folded: str, version: str) -> _About:
    """What the mention is about: the thing, what went wrong with it and what led to it,
    each as the text places them (a problem goes with the thing or model just before it)."""
    source = text if len(text) == len(folded) else folded
    found = words.causes.first(folded)
    cause = words.causes.names[found.group(0)] if found else ""
    if cause == "更新" and version:
        cause = f"升到 {version}"
    skip = found.span() if found else (0, 0)
    things = [
        (m.span(), source[m.start() : m.end()])
        for m in words.topics.pattern.finditer(folded)
        if not _inside(m.span(), skip)
    ]
    first, first_span = (things[0][1], things[0][0]) if things else ("", (0, 0))
    things = [t for t in things if t[1].lower() not in words.services]
    things += [(m.span(), _model_name(m)) for m in _MODEL.finditer(text)]
    things.sort()
    problem = next(
        (m for m in words.problems.pattern.finditer(folded) if _real(words, folded, m)), None
    )
    if problem is None:
        return _About(cause=cause, topic=first, core=first)
    name = words.problems.names[problem.group(0)]
    (begin, finish), alone = problem.span(), name in words.alone
    near = [t for (start, end), t in things if start == begin and end <= finish]  # 步数离谱
    near += [t for (_, end), t in things if 0 <= begin - end <= _NEAR_BEFORE][-1:]
    near = near or [t for (start, _), t in things if 0 <= start - finish <= _NEAR_AFTER][:1]
    if _inside(first_span, (begin, finish)):
        first = ""  # 卡在开机动画: no thing of its own
    if not near and not alone and first.lower() not in words.services | {""}:  # a far problem
        return _About(problem=name, cause=cause, topic=first, core=first)
    # 屏幕 + 闪屏, 信号 in 信号差: the problem says its thing; then the one before it (X7)
    said = (t for t in near if not (_CJK.search(t) and _says(name, t)))
    thing = "" if alone else next(said, "")
    space = " " if thing[-1:].isascii() and thing[-1:].isalnum() else ""
    core = thing + space + name if thing else name.removeprefix("有")
    space = " " if cause[-1:].isdigit() else ""
    topic = f"{cause}{space}以后{core}" if cause else core
    if len(topic) > TOPIC_MAX:
        topic = core if len(core) <= TOPIC_MAX else thing
    return _About(
        problem=name, cause=cause, topic=topic, core=core if len(core) <= TOPIC_MAX else thing
    )


def _inside(span: tuple[int, int], outer: tuple[int, int]) -> bool:
    return outer[0] <= span[0] and span[1] <= outer[1] and outer != (0, 0)


def _says(name: str, thing: str) -> bool:
    """Whether a problem already names its thing: 充电 in 充电慢 or 充不进电, the 屏 of 屏幕
    ending 黑屏 (but 充电盒 + 充不进电 keeps the thing)."""
    pairs = (thing[i : i + 2] for i in range(len(thing) - 1))
    ends = len(name) == 2 and name[-1] == thing[0]  # 屏幕 + 黑屏, 网络 + 断网
    return set(thing) <= set(name) or ends or any(p in name for p in pairs)


def _real(words: FactWords, folded: str, match: re.Match[str]) -> bool:
    """A problem word that is no look-alike (`[not_problems]`: 烫不烫, 低延迟), not negated
    ("一点不卡", "没有杂音了": right after 不/没/无/没有…, unless the word says so itself),
    not gone ("之前的掉帧也没了") nor their guess ("是不是电池坏了")."""
    (start, end), word = match.span(), match.group(0)
    said = word[0] not in _NEGATED and start > 0  # 不充电 says its own 不
    before = folded[start - 1] in _NEGATED or folded[max(start - 2, 0) : start] in _NEGATED_TWO
    gone = _GONE.match(folded, end)
    guess = _GUESS.search(folded, max(0, start - 12), start)
    return bool(words.problems.names[word]) and not (said and before) and not gone and not guess


def _model(text: str) -> str:
    """The first model named, spelled the brand's way: "x7pro" -> "X7 Pro"."""
    found = _MODEL.search(text)
    return _model_name(found) if found else ""


def _model_name(found: re.Match[str]) -> str:
    line, number, pro = found.groups()
    number = number.upper() if number[0] in "sS" else number
    return _MODEL_NAMES[line.lower()] + number + (" Pro" if pro else "")


def _name(table: Table, folded: str) -> str:
    found = table.first(folded)
    return table.names[found.group(0)] if found else ""


def _first(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    return next((g for g in match.groups() if g), "") if match else ""
