"""Names defined in Python, handed to Lua scripts as constants (never copied by hand)."""

import json
from collections.abc import Iterable


def lua_set(name: str, values: Iterable[str]) -> str:
    """Declare a Lua table `name` with `values` as its keys (`if NAME[x] then`), so a
    script tests membership against the Python set instead of a copy of it."""
    items = ", ".join(f"[{json.dumps(str(v))}] = true" for v in values)
    return f"local {name} = {{{items}}}\n"


def lua_str(name: str, value: str) -> str:
    """Declare a Lua string constant `name` holding `value` (a name defined in Python)."""
    return f"local {name} = {json.dumps(value)}\n"
