"""The yes-or-no question a mention asks, said back so a draft can name it: "X7 Pro
有红外吗" → "有没有红外", "15天换货能换颜色吗" → "15天换货能不能换颜色". A draft that
cannot answer yet then says what it will find out in the person's own words."""

from __future__ import annotations

import re

MAX_CHARS = 22  # a longer question is a story: the draft names its topic instead
# Clauses end at punctuation, emoticons, after 吗, and at a space next to Chinese (a space
# inside "X7 Pro" is part of a name).
_CLAUSE = re.compile(
    r"[，,。！!？?；;：:…~～\n]+|\[[^\[\]]{1,8}\]|(?<=[吗嘛])|"
    r"(?<=[\u4e00-\u9fff])\s+|\s+(?=[\u4e00-\u9fff])"
)
_ASKED = re.compile(r"^(?P<body>.+?)[吗嘛]$")
# Asked both ways already (能不能, 收不收): said back as written, 吗 or not.
_BOTH = re.compile(r"(.)[不没]\1|有没有|可不可以|支不支持")
# What a question turns on, and how it is asked both ways. 有 counts as a word of its
# own, not inside 没有, 所有, 还有 (its own entry), 有点 or 有些.
_MODALS = {
    "还能": "还能不能",
    "还有": "还有没有",
    "可以": "可不可以",
    "支持": "支不支持",
    "能": "能不能",
    "会": "会不会",
    "够": "够不够",
    "算": "算不算",
}
_MAYBE = re.compile(r"[吗嘛]|(.)[不没]\1|有没有|可不可以|支不支持")
_HAS = re.compile(r"(?<![没所还只拥具占享带含])有(?![点些的])")
# Openers that are not part of the question itself.
_OPENER = re.compile(r"^(?:官方|请问|问一?下|想问一?下?|问问|求问|那么?|所以|到底|真的|就是)+")
_NAMES = re.compile(r"@\S+|【[^】]{0,8}】")
# Asked of us (你们能不能快点, 是不是把我们忘了): a complaint, not a question to look into;
# asked of other users (有人一样吗, 大家有没有遇到): not ours to find out.
_AT_US = re.compile(r"我们|你们|咱们|官方|有人|大家|各位|家人们|兄弟们|姐妹们")
_CJK = re.compile(r"[\u4e00-\u9fff]")


# What someone heard: the words after 听说 / 网传 … to the end of the clause.
_HEARD = re.compile(
    r"(?:听说|据说|网传|网上说|网上传|传闻|有人说|看到说|爆料说?)(?:了)?[，,：:\s]*"
    r"(?P<said>[^，,。！!？?；;\n…~～\[]{4,40})"
)
_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")  # a clause ends there
_HEARD_CUE = re.compile(r"听说|据说|网传|网上|传闻|有人说|看到说|爆料")
_HEARD_OPENER = re.compile(r"^(?:澜星|你们|官方|贵司|咱们)+")
RUMOUR_MAX = 18  # characters: a longer one is said back by its topic instead


def rumour_of(text: str) -> str:
    """What they heard, as they wrote it ("要把线下澜星之家都关了"), or "" for none."""
    if not _HEARD_CUE.search(text):
        return ""
    found = _HEARD.search(_NAMES.sub(" ", text))
    if found is None:
        return ""
    said = _HEARD_OPENER.sub("", _GAP.split(found["said"].strip())[0]).rstrip("吗呢吧啊 ")
    said = said.removesuffix("真的假的").removesuffix("是真的").strip()
    return said if 4 <= len(said) <= RUMOUR_MAX and len(_CJK.findall(said)) >= 3 else ""


def question_of(text: str) -> str:
    """The first yes-or-no question of a text said back ("有没有红外"), or "" for none."""
    if not _MAYBE.search(text):  # most mentions ask nothing this way: no clause to read
        return ""
    for clause in _CLAUSE.split(_NAMES.sub(" ", text)):
        clause = (clause or "").strip()
        found = _ASKED.match(clause)
        body = found["body"] if found else clause
        body = _OPENER.sub("", body).strip()
        if _BOTH.search(body):
            said = body
        elif found:
            said = _both_ways(body)
        else:
            continue
        if _AT_US.search(said):
            continue
        if 3 <= len(said) <= MAX_CHARS and len(_CJK.findall(said)) >= 2:
            return said
    return ""


def _both_ways(body: str) -> str:
    """能换颜色 → 能不能换颜色; "" when the clause has no modal to turn (好用吗)."""
    places = [(body.find(m), -len(m), m) for m in _MODALS if m in body]
    if has := _HAS.search(body):
        places.append((has.start(), -1, "有"))
    if not places:
        return ""
    at, _, modal = min(places)
    if body[at - 1 : at] == "都":  # 都能退吗: "都能不能退" is no way to say it back
        return ""
    rest = body[at + len(modal) :]
    both = _MODALS.get(modal, "有没有")
    return body[:at] + both + rest if rest else ""
