"""The site in long-worded and CJK languages, in a real browser (Debian's Chromium): landing,
studio and dashboard in German, Japanese and Russian stay within the window at desktop widths,
and nothing in the header, the balance cards, the tables or the studio's form sticks out of its
box.

Set LIPSYNC_SCREENSHOTS_DIR to save `<page>-<language>.png` there (bench/screenshots.py does,
into docs/screenshots/); LIPSYNC_SCREENSHOT_LANGUAGES (e.g. "de ja ru ko") picks the languages.
Japanese text needs a CJK font on the machine (Debian: fonts-noto-cjk), or it shows as boxes.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client

from generation.models import Status
from tests.billing.factories import funded_account
from tests.factories import UserFactory
from tests.generation.factories import make_completed_job, make_failed_job, make_job

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LANGUAGES = os.environ.get("LIPSYNC_SCREENSHOT_LANGUAGES", "de ja ru").split()
PAGES = {"landing": "/", "studio": "/studio/", "dashboard": "/dashboard/"}
WIDTHS = (1280, 1024)

sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright is not installed (requirements-test.txt)")

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"{CHROMIUM} is missing: apt-get install -y chromium"),
]

# Elements whose content must stay inside them: a word wider than its box shows here.
OVERFLOWING = """() => {
    const boxes = document.querySelectorAll(
        'header, header a, header button, main h1, main h2, main p, main li, main label, ' +
        'main td, main th, main .button, main button, main .card, main fieldset, main legend');
    const out = [];
    for (const box of boxes) {
        if (!box.getClientRects().length) continue;
        const style = getComputedStyle(box);
        if (style.overflowX === 'auto' || style.overflowX === 'scroll') continue;
        if (style.textOverflow === 'ellipsis') continue;  // cut on purpose, with a title
        if (box.scrollWidth > box.clientWidth + 1 && box.clientWidth > 0)
            out.push(box.tagName + '.' + box.className + ': ' +
                     box.textContent.trim().slice(0, 60));
    }
    const page = document.documentElement;
    if (page.scrollWidth > window.innerWidth) out.push('page ' + page.scrollWidth + 'px wide');
    return out;
}"""


@pytest.fixture
def customer(live_server, settings, tmp_path):
    """A customer with both balances, credits on hold and three jobs, signed in: the session
    cookie for the browser."""
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    user = UserFactory(email="a.very.long.customer.address@example-company.com")
    funded_account(user, "api", 125_000)
    funded_account(user, "user", 4_250)
    make_completed_job(user)
    make_failed_job(user)
    make_job(user, status=Status.RUNNING, progress=0.4)
    client = Client()
    client.force_login(user)
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def browser(live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop + the ORM here
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        connections.close_all()


def open_page(browser, site: str, session: str, language: str, width: int):
    # The browser's own language too, as a visitor's would be (the file pickers' labels).
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=language)
    host = site.split("://", 1)[1].split(":")[0]
    context.add_cookies([
        {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "domain": host,
         "path": "/"},
        {"name": django_settings.SESSION_COOKIE_NAME, "value": session, "domain": host,
         "path": "/"}])
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(site) else route.abort())
    return context


def screenshot(page, name: str, *, full_page: bool = True) -> None:
    folder = os.environ.get("LIPSYNC_SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_hold_their_layout(live_server, customer, browser, language):
    for width in WIDTHS:
        context = open_page(browser, live_server.url, customer, language, width)
        page = context.new_page()
        for name, path in PAGES.items():
            page.goto(live_server.url + path)
            assert page.locator("html").get_attribute("lang") == language
            assert page.evaluate(OVERFLOWING) == [], (name, language, width)
            if width == WIDTHS[0]:
                screenshot(page, f"{name}-{language}")
        # The language menu opens over the page, within the window, with all twelve.
        page.locator(".langmenu summary").click()
        menu = page.locator("form.langswitch")
        assert menu.locator("button.lang").count() == len(django_settings.LANGUAGES)
        box = menu.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (language, width, box)
        assert page.evaluate(OVERFLOWING) == [], (language, width, "menu open")
        if width == WIDTHS[0]:
            page.set_viewport_size({"width": width, "height": 480})
            screenshot(page, f"language-menu-{language}", full_page=False)
        context.close()
