"""The queue's priority score: crisis, sentiment, intent, reach and time left, with reasons.

The score is `base + per_minute × (window − minutes left)`. `base` is fixed when a mention
is queued; the time part grows at one rate for all, so ordering by `deadline − base ×
60 / per_minute` (the sorted-set score) is the same as ordering by priority at any time.
"""

from __future__ import annotations

import functools
import math
import tomllib
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from sentiment import Label

PIN = 10**10  # seconds taken off a crisis's sort key: above anything else, by deadline too


@dataclass(frozen=True, slots=True)
class Weights:
    crisis: float
    sentiment: dict[str, float]
    per_minute: float
    window_minutes: float
    per_tenfold: float
    reach_most: float
    verified: float
    intents: dict[str, float]


@dataclass(frozen=True)
class Priority:
    """The fixed part of a mention's priority and why it has it."""

    base: float
    reasons: tuple[str, ...]  # e.g. "危机 +1000", "负面 +30", "粉丝 382万 +28"


@functools.cache
def weights() -> Weights:
    """Load data/priority.toml once per process."""
    text = (resources.files("responder.drafts") / "data" / "priority.toml").read_text("utf-8")
    data: dict[str, Any] = tomllib.loads(text)
    return Weights(
        crisis=float(data["crisis"]),
        sentiment={k: float(v) for k, v in data["sentiment"].items()},
        per_minute=float(data["time"]["per_minute"]),
        window_minutes=float(data["time"]["window_minutes"]),
        per_tenfold=float(data["reach"]["per_tenfold"]),
        reach_most=float(data["reach"]["most"]),
        verified=float(data["reach"]["verified"]),
        intents={k: float(v) for k, v in data["intents"].items()},
    )


_SENTIMENT_NAMES = {"negative": "负面", "neutral": "中性", "positive": "正面"}
# How agents read the intents (the API keeps the codes; these are for reasons and the UI).
INTENT_NAMES = {
    "shipping": "物流",
    "order_payment": "订单支付",
    "lag": "卡顿",
    "overheating": "发热",
    "battery": "续航",
    "camera": "拍照",
    "system_update": "系统更新",
    "after_sales": "售后",
    "store_appointment": "门店预约",
    "how_to": "使用咨询",
    "feature_request": "功能建议",
    "praise": "夸奖",
    "purchase_intent": "购买咨询",
    "service_complaint": "投诉服务",
    "crisis": "危机",
    "chit_chat": "闲聊",
    "spam": "广告",
    "greeting": "打招呼",
    "rumor_news": "传闻新闻",
    "ads_push": "广告推送",
    "policy_question": "政策咨询",
    "comparison": "对比",
    "occasion": "节日祝福",
    "screen_damage": "碎屏",
    "privacy_security": "隐私安全",
}


@functools.lru_cache(maxsize=8192)
def priority(
    *, crisis: bool, sentiment: Label, intent: str, followers: int, verified: bool
) -> Priority:
    """Return the fixed part of the priority and its reasons (in Chinese, for agents).

    Cached: every agent's queue read shows the same head of the queue again."""
    w = weights()
    parts: list[tuple[str, float]] = []
    if crisis:
        parts.append(("危机", w.crisis))
    parts.append((_SENTIMENT_NAMES[str(sentiment)], w.sentiment.get(str(sentiment), 0.0)))
    parts.append((INTENT_NAMES.get(intent, intent), w.intents.get(intent, 0.0)))
    reach = min(w.reach_most, w.per_tenfold * math.log10(max(followers, 0) + 1))
    parts.append((f"粉丝 {followers_cn(followers)}", round(reach, 1)))
    if verified:
        parts.append(("认证", w.verified))
    reasons = tuple(f"{name} {points:+g}" for name, points in parts if points)
    return Priority(base=round(sum(p for _, p in parts), 1), reasons=reasons)


def sort_key(base: float, deadline: float, *, crisis: bool) -> float:
    """Return the sorted-set score: lower is more urgent, at any moment."""
    w = weights()
    return deadline - base * 60.0 / w.per_minute - (PIN if crisis else 0)


def score_at(base: float, deadline: float, now: datetime) -> float:
    """Return the priority at `now`: the base plus the time part."""
    w = weights()
    minutes_left = (deadline - now.timestamp()) / 60.0
    return round(base + w.per_minute * (w.window_minutes - minutes_left), 1)


def followers_cn(count: int) -> str:
    """Write a follower count the way a Chinese team reads it: 382万, 1.2亿, 9,800."""
    if count >= 100_000_000:
        return f"{count / 100_000_000:.1f}".rstrip("0").rstrip(".") + "亿"
    if count >= 10_000:
        return f"{count / 10_000:.1f}".rstrip("0").rstrip(".") + "万"
    return f"{count:,}"
