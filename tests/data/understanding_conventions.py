"""Bring the first training set to the labelling conventions settled for the extra rows
(WRITERS.md 1 and 4): bare reposts, and praise of a feature labelled as the feature."""
import json, sys, re, collections
FEATURES = {"ads_push", "battery", "camera", "lag", "overheating", "privacy_security", "system_update"}
SERVICE = {"shipping", "after_sales", "store_appointment", "screen_damage", "service_complaint", "order_payment", "policy_question"}
PHOTOS = re.compile("返图|晒图|样张|直出|原图")
def fix(r):
    t = r["text"].strip()
    changed = []
    if r["kind"] == "repost" and r["role"] != "brand" and (not t or t == "转发微博" or t.startswith("//@")):
        new = dict(intent="chit_chat", secondary=[], role="bystander", reply_needed=False, reply_reason="bare_repost", sentiment="neutral")
        if any(r[k] != v for k, v in new.items()):
            r.update(new); changed.append("bare_repost")
    pos_only = r["sentiment"] == "pos" and not any(a["polarity"] == "neg" for a in r["aspects"])
    if pos_only and r["intent"] != "praise" and not r["crisis"]:
        feature = r["intent"] in FEATURES and r["id"].startswith("trb") and not PHOTOS.search(t)
        service = r["intent"] in SERVICE and "praise" in r["secondary"]
        if feature or service:
            old = r["intent"]
            r["intent"] = "praise"
            r["secondary"] = [old] + [s for s in r["secondary"] if s not in ("praise", old)]
            changed.append(f"praise<-{old}")
    return changed
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
c = collections.Counter()
for r in rows:
    for ch in fix(r): c[ch] += 1
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for r in rows: out.write(json.dumps(r, ensure_ascii=False) + "\n")
print(sorted(c.items()), sum(c.values()))
