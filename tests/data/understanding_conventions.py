"""Bring the first 2,570 training rows to two labelling conventions settled afterwards for
the extra rows (/work/wt/data/WRITERS.md 1 and 4), in place; run once on 2026-12-06:

    python tests/data/understanding_conventions.py tests/data/understanding_train.jsonl

1. A bare repost (empty, 转发微博 or only a //@ chain) is chit_chat, bystander, no reply
   needed (bare_repost), neutral (25 rows changed).
2. Praise of a feature is praise with the feature as secondary intent: one writer labelled
   it as the feature's problem intent (trb rows, 50), and service praise labelled as the
   service's intent with praise secondary (tra rows, 26). Photos shared stay camera.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from typing import Any

FEATURES = {
    "ads_push",
    "battery",
    "camera",
    "lag",
    "overheating",
    "privacy_security",
    "system_update",
}
SERVICE = {
    "shipping",
    "after_sales",
    "store_appointment",
    "screen_damage",
    "service_complaint",
    "order_payment",
    "policy_question",
}
PHOTOS = re.compile("返图|晒图|样张|直出|原图")
BARE = {
    "intent": "chit_chat",
    "secondary": [],
    "role": "bystander",
    "reply_needed": False,
    "reply_reason": "bare_repost",
    "sentiment": "neutral",
}


def fix(row: dict[str, Any]) -> list[str]:
    """Change one row in place; return what changed."""
    text = row["text"].strip()
    changed = []
    bare = not text or text == "转发微博" or text.startswith("//@")
    differs = any(row[k] != v for k, v in BARE.items())
    if row["kind"] == "repost" and row["role"] != "brand" and bare and differs:
        row.update(BARE)
        changed.append("bare_repost")
    liked = row["sentiment"] == "pos" and all(a["polarity"] != "neg" for a in row["aspects"])
    if liked and row["intent"] != "praise" and not row["crisis"]:
        old = row["intent"]
        feature = old in FEATURES and row["id"].startswith("trb") and not PHOTOS.search(text)
        service = old in SERVICE and "praise" in row["secondary"]
        if feature or service:
            row["intent"] = "praise"
            row["secondary"] = [old] + [s for s in row["secondary"] if s not in ("praise", old)]
            changed.append(f"praise<-{old}")
    return changed


def main(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    counts = Counter(change for row in rows for change in fix(row))
    with open(path, "w", encoding="utf-8") as out:
        out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    print(sorted(counts.items()), sum(counts.values()))


if __name__ == "__main__":
    main(sys.argv[1])
