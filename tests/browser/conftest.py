"""The dashboard in a real browser: Debian's Chromium, headless, driven by Playwright for Python, on the app
served by uvicorn in a thread (tests/api's `running_api`: a demo database on a pinned paper clock).

Playwright never downloads a browser here: it launches /usr/bin/chromium (scripts/bootstrap.sh installs it).
Without it the tests skip, except in CI (CI=true), where they fail. Screenshots go to a temporary folder, or
to the folder in TRIMTAB_SCREENSHOTS (scripts/screenshots.sh writes docs/ with it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from tests.api.conftest import Api

CHROMIUM = Path("/usr/bin/chromium")
ARGUMENTS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync"]
DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium (Debian's), shared by the tests of a session."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: scripts/bootstrap.sh installs it")
        pytest.skip(f"{CHROMIUM} is missing (scripts/bootstrap.sh installs it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGUMENTS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: TRIMTAB_SCREENSHOTS (docs/, by scripts/screenshots.sh), else a temporary folder."""
    folder = Path(os.environ.get("TRIMTAB_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_page(browser: Browser, *, phone: bool = False) -> Page:
    """A page in a fresh context (no cookies), at desktop (1280 px) or phone (390 px) width."""
    context = browser.new_context(viewport=PHONE if phone else DESKTOP, device_scale_factor=2 if phone else 1,
                                  is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


def log_in(page: Page, api: Api, scope: str) -> None:
    """Log in through the form with the served API's token of `scope`; land on the accounts page."""
    page.goto(f"{api.url}/ui/")
    page.fill("#token", api.tokens[scope])
    page.click("button[type=submit]")
    page.wait_for_url(f"{api.url}/ui/")
