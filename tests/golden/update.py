"""Write tests/golden/expected.jsonl anew from the current code, templates and data."""

from __future__ import annotations

from tests.golden import EXPECTED, dumps, outcomes

if __name__ == "__main__":
    rows = outcomes()
    EXPECTED.write_text(dumps(rows), encoding="utf-8")
    print(f"wrote {len(rows)} golden outcomes to {EXPECTED}; review the diff before committing")
