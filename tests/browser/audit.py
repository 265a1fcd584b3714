"""The accessibility audit of a page: axe-core's rules, and a layout that fits the screen.

``Auditor.check`` runs axe-core (vendored in ``vendor/axe.min.js``, injected into every page by the
browser context) on the page as it is, with every ``<details>`` opened so that folded content is audited
too, then checks the layout: the page is no wider than the screen, every table fits the screen or scrolls
inside its own box, and on a phone every stacked table labels its cells with their column header.
Problems are collected rather than raised, so that one walk reports every page at once.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page

HERE = Path(__file__).parent
AXE_SOURCE = (HERE / "vendor" / "axe.min.js").read_text(encoding="utf-8")
#: The browser side of the audit: opens folded content, runs axe-core, checks the layout (window.gpectAudit).
AUDIT_SOURCE = (HERE / "audit.js").read_text(encoding="utf-8")
#: A folder to keep a screenshot of every page audited, to look at them (unset: none is taken).
SCREENSHOTS = os.environ.get("GPECT_AUDIT_SCREENSHOTS")

#: The impacts that fail the audit (WCAG 2.1 AA as RGAA 4.1 asks: nothing serious or critical).
BLOCKING_IMPACTS = ("serious", "critical")

#: axe-core rules turned off, with the reason. Keep it empty unless a rule cannot apply to this app.
DISABLED_RULES: dict[str, str] = {}


def prepare(context: BrowserContext) -> BrowserContext:
    """Inject axe-core and ``audit.js`` into every page and frame the context opens, before its own scripts.

    An init script is not subject to the page's Content-Security-Policy (the outbox message page has a
    strict one), unlike a ``<script>`` tag added afterwards.
    """
    context.add_init_script(script=AXE_SOURCE)
    context.add_init_script(script=AUDIT_SOURCE)
    return context


@dataclass
class Auditor:
    """Audits the pages one person sees at one screen width, and keeps what is wrong."""

    page: Page
    base_url: str
    width: int
    who: str
    language: str = "fr"
    problems: list[str] = field(default_factory=list)
    audited: list[str] = field(default_factory=list)

    def visit(self, path: str, status: int = 200, name: str | None = None, **options: Any) -> None:
        """Open ``path``, expect ``status``, and audit the page."""
        response = self.page.goto(self.base_url + path)
        self.expect_status(response.status if response else None, status, name or path)
        self.check(name or path, **options)

    def expect_status(self, got: int | None, expected: int, name: str) -> None:
        if got != expected:
            self.problems.append(f"{self.where(name)}: answered {got}, expected {expected}")

    def check(self, name: str, one_line_headers: bool = False) -> None:
        """Audit the page shown now under ``name``: its language, axe-core's rules, its layout."""
        self.audited.append(name)
        self.page.wait_for_load_state()
        language = self.page.evaluate("document.documentElement.lang")
        if language != self.language:
            self.problems.append(f"{self.where(name)}: the page is in {language!r}, not {self.language!r}")
        self.page.evaluate("gpectAudit.openAll()")
        for violation in self.page.evaluate("(rules) => gpectAudit.axeViolations(rules)", sorted(DISABLED_RULES)):
            if violation["impact"] in BLOCKING_IMPACTS:
                nodes = "\n      ".join(violation["nodes"][:5])
                self.problems.append(
                    f"{self.where(name)}: {violation['id']} ({violation['impact']}, {len(violation['nodes'])} "
                    f"element(s)): {violation['help']}\n      {nodes}"
                )
        layout = self.page.evaluate(
            "(options) => gpectAudit.layout(options)", {"width": self.width, "oneLineHeaders": one_line_headers}
        )
        self.problems.extend(f"{self.where(name)}: {problem}" for problem in layout)
        self.page.evaluate("gpectAudit.closeAgain()")
        if SCREENSHOTS:
            slug = re.sub(r"[^a-z0-9]+", "-", f"{self.who} {self.width} {name}".lower()).strip("-")
            self.page.screenshot(path=str(Path(SCREENSHOTS) / f"{slug}.png"), full_page=True)

    def expect_links(self, name: str, *hrefs: str) -> None:
        """The page shown now links to each of ``hrefs`` (its main content, not the menu)."""
        for href in hrefs:
            if not self.page.locator(f'main a[href="{href}"]').count():
                self.problems.append(f"{self.where(name)}: no link to {href}")

    def where(self, name: str) -> str:
        return f"[{self.who}, {self.width} px] {name}"

    def report(self) -> str:
        return f"{len(self.problems)} problem(s) on {len(self.audited)} page(s):\n" + "\n".join(self.problems)
