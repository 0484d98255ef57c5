"""Screenshot of the explorer for the README (docs/explorer.png).

Serves the explorer on a free local port, opens it in headless Chromium (Debian's
package, driven by Playwright), waits until the race is drawn and saves the page.

Run:  python tools/explorer_screenshot.py [-o docs/explorer.png] [--theme dark]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from optviz.explore import initial_state
from optviz.explore.server import Explorer

CHROMIUM = "/usr/bin/chromium"
OPTIMIZERS = ["gd:lr=0.001", "momentum:lr=0.001", "adam:lr=0.1"]


def screenshot(out: Path, theme: str = "light", width: int = 1280, height: int = 720) -> Path:
    served = Explorer(initial_state("rosenbrock", OPTIMIZERS, steps=300), port=0)
    with served.in_background(), sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(served.url)
        _drawn(page)
        if theme == "dark":
            page.click("#theme")
            page.wait_for_function("() => window.optvizModel.get('view').theme === 'dark'")
        page.wait_for_timeout(500)  # the last animation frame
        page.screenshot(path=str(out))
        browser.close()
    return out


def _drawn(page) -> None:
    page.wait_for_function(
        "() => { const m = window.optvizModel; return m && m.get('result') && !m.get('busy'); }",
        timeout=120_000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=Path("docs/explorer.png"))
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    args = parser.parse_args()
    print(screenshot(args.output, args.theme))


if __name__ == "__main__":
    main()
