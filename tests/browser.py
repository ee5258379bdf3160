"""A real headless browser for the page tests: Debian's chromium driven by Playwright.

Without /usr/bin/chromium the tests that need it are skipped, unless ODCSIM_REQUIRE_BROWSER is
set (.ci/run sets it after installing chromium), where they fail instead.
"""
from __future__ import annotations

import io
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

# the flags that keep chromium off this machine's closed network and out of a sandbox it cannot make as root
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("ODCSIM_REQUIRE_BROWSER"):
            pytest.fail("chromium is not installed (apt-get install chromium) and ODCSIM_REQUIRE_BROWSER is set")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


@contextmanager
def browser_page(extra_args: list[str] = ()):
    """A Playwright page in headless chromium; yields (page, console_errors)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=[*CHROMIUM_ARGS, *extra_args])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            yield page, errors
        finally:
            browser.close()


def open_file(page, path: Path) -> None:
    page.goto(Path(path).resolve().as_uri(), wait_until="load")


def screenshot_spread(page) -> float:
    """Standard deviation of the screenshot's grey levels (0 for a blank page)."""
    from PIL import Image

    image = Image.open(io.BytesIO(page.screenshot(full_page=False))).convert("L")
    return float(np.asarray(image, dtype=float).std())
