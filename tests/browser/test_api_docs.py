"""/api/docs/ (Swagger UI) and /api/redoc/ render in Debian's Chromium with no network: every
request that does not go to the site itself is aborted, so a CDN would leave a blank page.
Also the API guide at phone width: its long code lines scroll inside their box."""

import os

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright is not installed (requirements-test.txt)")
expect = sync_api.expect

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"{CHROMIUM} is missing: apt-get install -y chromium"),
]


@pytest.fixture
def offline_page(live_server, settings, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.SITE_URL = live_server.url
    aborted: list[str] = []

    def only_the_site(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            aborted.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844})
        context.route("**/*", only_the_site)
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            yield page, live_server.url, aborted
        finally:
            context.close()
            browser.close()
            connections.close_all()


def test_swagger_ui_lists_the_operations_offline(offline_page):
    page, site, aborted = offline_page
    page.goto(f"{site}/api/docs/")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/lipsync-image").first
           ).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/estimate")).to_be_visible()
    assert aborted == []


def test_redoc_lists_the_operations_offline(offline_page):
    page, site, aborted = offline_page
    page.goto(f"{site}/api/redoc/")
    expect(page.get_by_role("heading", name="Job status and result")).to_be_visible()
    expect(page.get_by_role("heading", name="The price of a job before submitting it")
           ).to_be_visible()
    # Only ReDoc's own "API docs by Redocly" badge points elsewhere (an image; nothing needed).
    assert [url for url in aborted if not url.endswith("/redoc/logo-mini.svg")] == []


def test_the_guides_code_scrolls_inside_its_box_on_a_phone(offline_page):
    page, site, _aborted = offline_page
    page.goto(f"{site}/docs/")
    widths = page.evaluate("({scroll: document.documentElement.scrollWidth,"
                           " inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"]
    pre = page.locator("pre", has_text="curl -X POST")
    assert pre.evaluate("p => getComputedStyle(p).overflowX") == "auto"
    assert pre.evaluate("p => p.scrollWidth > p.clientWidth")  # long lines: it scrolls
    expect(page.locator("#error-code-catalog")).to_contain_text("no_face")
