"""Debian's headless Chromium driven through playwright's bundled driver (no browser download).

Shared by the report tests and ``make_screenshot.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-default-apps", "--disable-extensions",
]
MERMAID_JS = Path(__file__).parent / "js" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
NPM_INSTALL = "npm ci --prefix tests/reports/js"


def chromium_path() -> str:
    found = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    if not found:
        raise RuntimeError("Debian's chromium is not installed: apt-get install -y chromium")
    return found


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


def mermaid_js() -> Path:
    if not MERMAID_JS.is_file():
        raise RuntimeError(f"mermaid is not installed for the tests: run `{NPM_INSTALL}`")
    return MERMAID_JS


def render_mermaid(page: Page, source: str, *, security: str = "strict") -> dict[str, object]:
    """Parse and render ``source`` with the real mermaid, then insert the SVG into ``#out``.

    Returns ``{"ok": bool, "error": str, "text": the SVG's textContent}``.
    """
    return page.evaluate(
        """async ([source, security]) => {
            mermaid.initialize({startOnLoad: false, securityLevel: security});
            const out = document.getElementById('out');
            out.innerHTML = '';
            try {
                await mermaid.parse(source);
                const id = 'd' + Math.random().toString(36).slice(2);
                const {svg} = await mermaid.render(id, source);
                out.innerHTML = svg;
                return {ok: true, error: '', text: out.textContent};
            } catch (e) {
                return {ok: false, error: String((e && e.message) || e), text: ''};
            }
        }""",
        [source, security],
    )
