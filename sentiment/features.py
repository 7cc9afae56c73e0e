"""Text → features: character 1-3-grams, Weibo bracket emoticons and emoji.

Training and scoring call the same function, so they can never drift apart.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

EMOTICON = re.compile(r"\[[^\[\]\s]{1,12}\]")  # Weibo's [哈哈], [泪], [doge]
EMOJI = re.compile(
    "[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2b55\u203c\u2049\u3030\u303d\u3297\u3299]"
)
_URL = re.compile(r"https?://\S+|www\.\S+")
_AT = re.compile(r"@[\w\u4e00-\u9fff\-]{1,30}")
_TOPIC = re.compile(r"\{%#(.*?)#%\}")  # weibo2018's markup for #topics# and links
_LINK = re.compile(r"\{%(.*?)%\}")
_DIGITS = re.compile(r"\d+")
MAX_CHARS = 1000  # cost grows with length; a 10,000-character post is scored on its start


def normalize(text: str) -> str:
    """Fold width and case; mask URLs, @names and numbers, which carry no sentiment."""
    folded = unicodedata.normalize("NFKC", text.replace("\ufeff", "")).lower()
    folded = _URL.sub(" URL ", folded)
    folded = _AT.sub(" @U ", folded)
    folded = _TOPIC.sub(r"#\1#", folded)
    folded = _LINK.sub(" LINK ", folded)
    return _DIGITS.sub("0", folded)


def features(text: str, n_max: int = 3) -> set[str]:
    """Return the distinct features of a text (a set of the caller's own).

    Emoticons and emoji become features of their own ("E[哈哈]", "J😭") and also stay in
    the text for the n-grams, so `[微笑]` next to a complaint reads as sarcasm.
    """
    return set(_features(text, n_max))


# The pipeline reads a text's features twice, for sentiment and then for understanding,
# a scoring call (at most a batch) apart: remembering the last few hundred saves the second.
@lru_cache(maxsize=256)
def _features(text: str, n_max: int) -> frozenset[str]:
    norm = normalize(text[:MAX_CHARS])
    found = {"E" + m for m in EMOTICON.findall(norm)}
    found.update("J" + m for m in EMOJI.findall(norm))
    norm = EMOJI.sub(" ", norm)
    for segment in norm.split():
        for n in range(1, n_max + 1):
            found.update(segment[i : i + n] for i in range(len(segment) - n + 1))
    return frozenset(found)
