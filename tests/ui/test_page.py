"""The workspace shell and its assets over HTTP (no browser), and the palette's contrast."""

from __future__ import annotations

import re

from responder.web.pages import STATIC
from tests.fakes import FakeClock, mention
from tests.ui.conftest import Client
from tests.workspace import feed

# Every pair of text colour and background the stylesheet puts together.
PAIRS = [
    *(("ink", bg) for bg in ("paper", "panel", "sel", "warn-bg")),
    *(("muted", bg) for bg in ("paper", "panel", "sel")),
    ("late", "late-bg"),
    ("late", "paper"),
    ("warn", "warn-bg"),
    ("warn", "paper"),
    ("calm", "calm-bg"),
    ("calm", "paper"),
    ("accent", "accent-bg"),
    ("accent", "paper"),
    ("accent", "sel"),
    ("paper", "accent"),
    ("paper", "ink"),
]
AA = 4.5
# The focus ring is not text: WCAG 2.2 (1.4.11) asks 3:1 against what it sits on.
RING = [("focus", bg) for bg in ("paper", "panel", "sel")]


def palette() -> dict[str, str]:
    css = (STATIC / "workspace.css").read_text(encoding="utf-8")
    root = css[css.index(":root") : css.index("}", css.index(":root"))]
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", root))


def luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour such as #1f2328."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fore: str, back: str) -> float:
    light, dark = sorted((luminance(fore), luminance(back)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_text_colour_meets_wcag_aa() -> None:
    colours = palette()
    low = {
        f"{fg} on {bg}": round(contrast(colours[fg], colours[bg]), 2)
        for fg, bg in PAIRS
        if contrast(colours[fg], colours[bg]) < AA
    }
    assert not low, f"below {AA}:1: {low}"
    ring = {bg: round(contrast(colours[fg], colours[bg]), 2) for fg, bg in RING}
    assert min(ring.values()) >= 3, f"focus ring: {ring}"


def test_contrast_is_computed_as_wcag_says() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic near miss


async def test_the_shell_is_chinese_with_landmarks_and_a_token(
    client: Client, clock: FakeClock
) -> None:
    await feed(client, clock, mention("1", text="<script>alert(1)</script> 卡卡卡"))
    resp = await client.get("/")
    html = await resp.text()
    assert resp.status == 200 and resp.content_type == "text/html"
    assert resp.headers["Cache-Control"] == "no-store"
    assert '<html lang="zh-CN">' in html
    assert '<meta name="csrf-token" content="' in html
    assert '<meta name="tiexin-timezone" content="Asia/Shanghai">' in html
    assert '<meta name="tiexin-warn-before" content="300">' in html  # 15 min SLA, warn at 10
    for landmark in ("<header", "<nav", "<main", '<ol id="list"'):
        assert landmark in html
    assert "<script>alert" not in html  # rows come from the API, set as text by the script


async def test_assets_are_served_from_static(client: Client) -> None:
    assets = (("workspace.js", "javascript"), ("alerts.js", "javascript"), ("workspace.css", "css"))
    for name, kind in assets:
        resp = await client.get(f"/static/{name}")
        assert resp.status == 200 and kind in resp.content_type
        assert await resp.read() == (STATIC / name).read_bytes()
    assert (await client.get("/static/../pages.py")).status in (403, 404)
