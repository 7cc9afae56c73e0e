"""workspace.js, the page's one entry: the shell loads it as the only script (a module),
the modules it imports form no cycle (each imports only modules below it), none is long,
each is served with a JavaScript MIME type, and no window.tiexin* global is left."""

from __future__ import annotations

import re

from playwright.async_api import Page

from responder.web.pages import STATIC
from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client, open_page
from tests.workspace import feed

# Bottom first: a module may import only modules before it here.
ORDER = [
    *("dom", "state"),
    *("alerts", "resend", "incidents", "unread", "undo", "phone", "team", "snippets", "history"),
    *("list", "reply", "detail", "editor", "live", "keys", "workspace"),
]
# Other pages' entries, each with what it may import (the reports page's two, its figures
# and its voice of the customer: dom.js only).
ENTRIES = {"reports": {"dom"}, "voice": {"dom"}}
IMPORT = re.compile(r'^import (?:.+ from )?"\./([a-z]+)\.js";$', re.MULTILINE)
JAVASCRIPT = {"text/javascript", "application/javascript"}  # what a module is served as


def imports(name: str) -> list[str]:
    return IMPORT.findall((STATIC / f"{name}.js").read_text(encoding="utf-8"))


def test_each_module_imports_only_modules_below_it() -> None:
    assert sorted(p.stem for p in STATIC.glob("*.js")) == sorted([*ORDER, *ENTRIES])
    for entry, allowed in ENTRIES.items():
        assert set(imports(entry)) <= allowed, entry
    for at, name in enumerate(ORDER):
        below = set(ORDER[:at])
        assert set(imports(name)) <= below, (name, set(imports(name)) - below)
    assert imports("dom") == [] and imports("state") == ["dom"]
    # Every module is reached from the entry.
    reached, todo = set(), ["workspace"]
    while todo:
        name = todo.pop()
        reached.add(name)
        todo += [n for n in imports(name) if n not in reached]
    assert reached == set(ORDER)


def test_no_module_is_long_and_none_sets_a_window_global() -> None:
    for path in STATIC.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 200, path.name
        assert "window.tiexin" not in text and '"use strict"' not in text, path.name


async def test_every_module_is_served_as_javascript(client: Client) -> None:
    for name in ORDER:
        resp = await client.get(f"/static/{name}.js")
        assert resp.status == 200 and resp.content_type in JAVASCRIPT, (name, resp.content_type)
        assert resp.headers["X-Content-Type-Options"] == "nosniff"  # so the type is enforced
        assert "script-src 'self'" in resp.headers["Content-Security-Policy"]


async def test_the_page_runs_one_module_entry_and_sets_no_globals(
    page: Page, client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1", text="X7 又卡了，烦死了"))
    await open_page(page, client)  # rows and the detail drawn: every module ran
    scripts = await page.evaluate(
        "[...document.scripts].map((s) => [s.type, s.getAttribute('src'), s.text])"
    )
    assert scripts == [["module", "/static/workspace.js", ""]]
    leaked = await page.evaluate("Object.keys(window).filter((k) => /^tiexin/i.test(k))")
    assert leaked == []
    loaded = await page.evaluate(
        "performance.getEntriesByType('resource').map((e) => e.name)"
        ".filter((n) => n.endsWith('.js')).map((n) => n.split('/').pop())"
    )
    assert sorted(loaded) == sorted(f"{name}.js" for name in ORDER)  # each fetched once
