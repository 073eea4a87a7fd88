"""The API docs render under the production Content-Security-Policy (no inline script): Swagger UI
lists the operations and Redoc its navigation, with no CSP violation reported by the browser."""

import importlib

import pytest
from django.test import Client

from tests.browser import MARKS, screenshot, signed_in_page
from tests.factories import StaffFactory

pytestmark = [*MARKS, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def production_csp(settings, monkeypatch):
    """The production Content-Security-Policy, with the production middleware: a test Client made
    now runs it (the live server's middleware was fixed when it started), so each page the browser
    loads gets the header this application sends in production for that page."""
    monkeypatch.setenv("DJANGO_SECRET_KEY", "k9-Qz7vLmW2pXr4T8sNd6YbF3hJc1GtVa5UeKo0RiPwZyMxSqB")
    # Only to read its policy: the values it insists on at import (this process keeps its settings).
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "localhost")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    production = importlib.import_module("omo.settings.production")
    directives = dict(production.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives.pop("upgrade-insecure-requests", None)  # the test server speaks plain http
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": directives}
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:1], "csp.middleware.CSPMiddleware", *settings.MIDDLEWARE[1:]]
    settings.API_DOCS_PUBLIC = False


def _enforce_production_csp(page, user):
    """Every page the browser loads gets the CSP header the production middleware gives it."""
    client = Client()
    client.force_login(user)

    def add_policy(route):
        response = route.fetch()
        path = route.request.url.split("://", 1)[1].split("/", 1)[1]
        policy = client.get("/" + path).get("Content-Security-Policy")
        headers = {**response.headers}
        if policy:
            headers["content-security-policy"] = policy
        route.fulfill(response=response, headers=headers)

    page.route(lambda url: "/api/docs/" in url or "/api/redoc/" in url, add_policy)


def _violations(page):
    found = []
    page.on("console", lambda message: found.append(message.text) if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: found.append(f"pageerror: {error}"))
    return found


def test_swagger_ui_and_redoc_render_operations_under_production_csp(production_csp, chromium, live_server, merchant,
                                                                     store):
    admin = StaffFactory(merchant=merchant, store=store, role="admin")
    context = chromium.new_context()
    page = signed_in_page(context, live_server, admin.user)
    violations = _violations(page)
    _enforce_production_csp(page, admin.user)

    response = page.goto(f"{live_server.url}/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-tag", timeout=30_000)
    tags = page.locator(".opblock-tag").all_inner_texts()
    screenshot(page, "api-docs-swagger")
    assert any("orders" in tag for tag in tags) and any("members" in tag for tag in tags), tags
    page.locator(".opblock-tag", has_text="orders").first.click()
    page.wait_for_selector(".opblock-summary-path", timeout=10_000)
    assert "/m/{merchant}/api/v1/orders/" in " ".join(page.locator(".opblock-summary-path").all_inner_texts())

    page.goto(f"{live_server.url}/api/redoc/")
    page.wait_for_selector("[role=navigation], .menu-content", timeout=30_000)
    assert "members" in page.locator(".menu-content").inner_text()

    script_violations = [v for v in violations if "script" in v.lower() and "Content Security Policy" in v]
    assert script_violations == [], script_violations
    context.close()
