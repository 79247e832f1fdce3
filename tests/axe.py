"""axe-core in a real page: the WCAG 2.1 A and AA rules, what they found, and a table of it all.

A pytest plugin too (tests/conftest.py loads it): at the end of a run that checked pages, the
terminal summary prints the violations per page, language and theme, also kept in
test-artifacts/axe.txt.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.async_api import Page

from moderation.config import ROOT

AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"  # installed by ./run-tests
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ARTIFACT = ROOT / "test-artifacts" / "axe.txt"

# (page, language, theme) -> the number of violations found; read by the terminal summary.
RESULTS: dict[tuple[str, str, str], int] = {}


def axe_source() -> str:
    if not AXE.is_file():
        # A failure, not a skip: WCAG 2.1 AA is a promise of the service.
        pytest.fail(f"accessibility tests need axe-core at {AXE}; run: (cd tests && npm ci)", pytrace=False)
    return AXE.read_text(encoding="utf-8")


def axe_version() -> str:
    return str(json.loads((AXE.parent / "package.json").read_text(encoding="utf-8"))["version"])


async def violations(page: Page) -> list[dict[str, Any]]:
    """What axe finds in the page as it is now, at WCAG 2.1 A and AA."""
    # Evaluated through the DevTools protocol, not added as a <script>: the page's own
    # Content-Security-Policy (which forbids inline scripts) stays in force for everything the
    # page itself runs, so the widget is still proven to work under it; axe only reads the page.
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(f"() => {{ {axe_source()}\n}}")
    result = await page.evaluate(
        "(tags) => axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })",
        WCAG_21_AA,
    )
    return list(result["violations"])


def described(found: list[dict[str, Any]]) -> str:
    """Each violation's rule, impact and help, and where it is: the CSS paths of its nodes."""
    lines = []
    for violation in found:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            summary = " ".join(str(node.get("failureSummary", "")).split())  # axe's lines, as one
            lines.append(f"    {' > '.join(map(str, node['target']))}: {summary:.300}")
    return "\n".join(lines)


async def check(page: Page, name: str, language: str, theme: str) -> None:
    """Run axe, keep the count for the table, and fail with every violation spelled out."""
    found = await violations(page)
    RESULTS[(name, language, theme)] = len(found)
    assert not found, f"axe found {len(found)} violation(s) on {name} [{language}, {theme}]:\n{described(found)}"


def table() -> str:
    """One line per page: its violations per language and theme."""
    # Languages in the order they were checked, light before dark.
    columns = sorted(dict.fromkeys((language, theme) for _, language, theme in RESULTS), key=lambda c: c[1] != "light")
    pages = list(dict.fromkeys(name for name, _, _ in RESULTS))
    width = max(len(name) for name in pages)
    heading = " ".join(f"{language}/{theme}".rjust(9) for language, theme in columns)
    lines = [
        f"axe-core {axe_version()}, WCAG 2.1 A and AA: violations per page, by language and by the",
        "reader's colour scheme (prefers-color-scheme); - where that pair is not checked",
        f"{'page'.ljust(width)} {heading}",
    ]
    for name in pages:
        cells = (RESULTS.get((name, language, theme)) for language, theme in columns)
        lines.append(f"{name.ljust(width)} " + " ".join(("-" if c is None else str(c)).rjust(9) for c in cells))
    return "\n".join(lines)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RESULTS:
        return
    text = table()
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(text + "\n", encoding="utf-8")
    terminalreporter.section("accessibility (axe-core)")
    terminalreporter.write_line(text)
