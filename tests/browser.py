"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright's sync
API (never `playwright install`). Screenshots go to test-artifacts/ (git-ignored)."""

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# As root on a machine with no outside network: no sandbox, and none of Chromium's own connections.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium (Debian package chromium)"),
]


@pytest.fixture
def chromium(monkeypatch):
    """A launched browser. Playwright's sync API runs an event loop in this thread, so Django's
    async guard is relaxed for the test only (never in a real process)."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def signed_in_page(context, live_server, user):
    """A page whose session cookie is the user's (the login forms have their own tests)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context.new_page()


def screenshot(page, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
