"""dom.js in the real page: elements built from untrusted text stay text, attributes and
handlers are set as given, icons are SVG, times read in the team's zone, and the toast
hides itself after 6 seconds (the page's clock is the test's)."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.async_api import Page, expect

from tests.ui.conftest import Client, url


async def test_elements_icons_and_times(page: Page, client: Client) -> None:
    await page.goto(url(client))
    built = await page.evaluate(
        """() => import("/static/dom.js").then((d) => {
          let clicked = 0;
          const attrs = { class: "x", hidden: true, title: null, onclick: () => { clicked += 1; } };
          const p = d.el("p", attrs, "<b>不是标签</b>", [1, null, false, d.el("span", null, "内")]);
          p.click();
          const svg = d.icon("warn"), box = d.section("原帖", "正文");
          return { html: p.innerHTML, cls: p.className, hidden: p.hidden, clicked,
            title: p.hasAttribute("title"),
            svg: [svg.tagName, svg.getAttribute("class"), svg.getAttribute("aria-hidden")],
            section: [box.tagName, box.getAttribute("aria-label"), box.firstChild.textContent,
              box.textContent],
            when: [d.when("2026-11-20T01:05:09Z"), d.when(1795136709), d.when("")] };
        })"""
    )
    assert built["html"] == "&lt;b&gt;不是标签&lt;/b&gt;1<span>内</span>"
    assert (built["cls"], built["hidden"], built["title"]) == ("x", True, False)
    assert built["clicked"] == 1
    assert built["svg"] == ["svg", "icon i-warn", "true"]
    assert built["section"] == ["SECTION", "原帖", "原帖", "原帖正文"]
    # Asia/Shanghai (UTC+8), the shell's [drafts] timezone; a number is seconds.
    assert built["when"] == ["11/20 09:05:09", "11/20 09:05:09", ""]


async def test_the_toast_hides_after_six_seconds(page: Page, client: Client) -> None:
    await page.clock.install(time=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    await page.goto(url(client))
    await page.clock.pause_at(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))  # no time flows now
    await page.evaluate('import("/static/dom.js").then((d) => d.toast("已复制"))')
    await expect(page.locator("#toast")).to_have_text("已复制")
    await expect(page.locator("#toast")).to_be_visible()
    await page.clock.fast_forward(5_900)
    await expect(page.locator("#toast")).to_be_visible()
    await page.clock.fast_forward(200)
    await expect(page.locator("#toast")).to_be_hidden()
