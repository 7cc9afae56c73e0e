"""One home per concept: alert stages are spelled only in responder/store/stages.py and
open states only in responder/store/records.py; the rooms that use them import them, and
Lua scripts receive them as constants generated from Python."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from responder.alerts import lua as alert_lua
from responder.store import lua
from responder.store.keys import Keys
from responder.store.lua_enqueue import ENQUEUE
from responder.store.records import OPEN_STATES
from responder.store.stages import TIMED, Stage

ROOT = Path(__file__).resolve().parent.parent / "responder"
ROOMS = (  # where stages and open states were copied (issue 22), and their neighbours;
    # alerts/channels/ is left out: a page's severity (warn, breach) is its own concept
    "store/keys.py",
    "store/lua.py",
    "store/lua_enqueue.py",
    "store/store.py",
    "store/stream.py",
    "sla/sweeper.py",
    "alerts/compose.py",
    "alerts/notifier.py",
    "alerts/store.py",
    "alerts/acking.py",
    "alerts/lua.py",
    "web/ack.py",
)
# "crisis" is also an intent, a tone and a mention field: only the timed stages are checked.
SPELLINGS = {spelling for stage in TIMED for spelling in (stage.value, stage.word)}
LUA_QUOTED = re.compile(r"'([a-z_]+)'")
LUA_COMPARED = re.compile(r"[~=]=\s*'([a-z_]+)'")


def strings(room: str) -> list[str]:
    """Every string constant in a module, docstrings left out."""
    tree = ast.parse((ROOT / room).read_text("utf-8"))
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
    ]


def test_stages_are_spelled_only_in_their_home() -> None:
    found = {}
    for room in ROOMS:
        words = [s for s in strings(room) if s in SPELLINGS]
        words += [w for s in strings(room) for w in LUA_QUOTED.findall(s) if w in SPELLINGS]
        if words:
            found[room] = words
    assert found == {}


def test_open_states_are_listed_only_in_their_home() -> None:
    open_ = {str(s) for s in OPEN_STATES}
    found = {}
    for room in (*ROOMS, "store/index.py", "store/index_sync.py", "store/reads.py"):
        tree = ast.parse((ROOT / room).read_text("utf-8"))
        copies = [
            ast.unparse(node)
            for node in ast.walk(tree)
            if isinstance(node, ast.Tuple | ast.List | ast.Set)
            and {e.value for e in node.elts if isinstance(e, ast.Constant)} == open_
        ]
        copies += [w for s in strings(room) for w in LUA_COMPARED.findall(s) if w in open_]
        if copies:
            found[room] = copies
    assert found == {}


def test_lua_receives_the_python_names() -> None:
    for state in OPEN_STATES:
        assert f'["{state}"] = true' in lua.CLOSE and f'["{state}"] = true' in lua.CLAIM
    assert f'local BREACHED = "{Stage.BREACHED}"' in lua.SWEEP
    assert f'local CRISIS = "{Stage.CRISIS}"' in ENQUEUE
    assert "'warn" not in alert_lua.GROUP


def test_key_names_and_stored_values_stay_what_deployments_hold() -> None:
    keys = Keys("t")
    assert [keys.due(s) for s in TIMED] == ["{t}:due:warn", "{t}:due:breach", "{t}:due:escalate"]
    assert keys.alert_open_group(Stage.WARNED) == "{t}:alert:open:warn"
    assert [str(s) for s in Stage] == ["warned", "breached", "escalated", "crisis"]
    for stage in Stage:  # a group hash written before says "warn"; since, "warned"
        assert Stage.read(stage.word) is stage and Stage.read(str(stage)) is stage
    assert Stage.read("auth_failed") is None
