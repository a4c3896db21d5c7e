"""Layouts in a real browser (Debian's Chromium driven by Playwright), signed in:

- at 390 px (a phone) no page is wider than the screen, the navigation folds into a menu that
  opens without JavaScript, tables scroll inside their box and the file pickers are full width;
- at 1280 px the support admin's job list fits;
- the studio keeps a refused file's reason, and a failed job's bar says so.

Set LIPSYNC_SCREENSHOTS_DIR to keep the screenshots (full pages, 390 px wide).
"""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from billing.models import CreditPack
from billing.services import credit_account_get_or_create
from generation.models import Job
from tests.apikeys.factories import make_key
from tests.billing.factories import funded_account
from tests.factories import UserFactory
from tests.generation.factories import make_completed_job, make_failed_job
from tests.media_intake.factories import make_audio

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
LONG_EMAIL = "maria.fernanda.albuquerque.de.souza@example-company.com.br"

sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright is not installed (requirements-test.txt)")
expect = sync_api.expect

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"{CHROMIUM} is missing: apt-get install -y chromium"),
]


@pytest.fixture
def site(live_server, settings, tmp_path, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop + the ORM here
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STRIPE_SECRET_KEY = ""  # payments not configured: the Buy buttons are disabled
    return live_server.url


@contextmanager
def browser_page(site: str, user, viewport: dict):
    """A page signed in as `user` (the session cookie of a forced login)."""
    client = Client()
    client.force_login(user)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=viewport, locale="en-US")
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                              "url": site}])
        context.route("**/*", lambda route: route.continue_()
                      if route.request.url.startswith(site) else route.abort())
        page = context.new_page()
        page.set_default_timeout(20_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
            connections.close_all()


def screenshot(page, name: str) -> None:
    folder = os.environ.get("LIPSYNC_SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def page_width(page) -> dict:
    return page.evaluate("({scroll: document.documentElement.scrollWidth,"
                         " inner: window.innerWidth})")


@pytest.fixture
def busy_customer(db):
    """An account with what makes pages wide: a long e-mail, keys, jobs, purchases on sale."""
    user = UserFactory(email=LONG_EMAIL)
    funded_account(user, "api", 125_000)
    funded_account(user, "user", 48_000)
    credit_account_get_or_create(user=user, ledger="user")
    make_key(user, name="a-rather-long-key-name-for-the-production-render-farm")
    make_completed_job(user, credits=40)
    make_failed_job(user, error="formState.audio is not an audio file we can read.")
    for ledger in ("api", "user"):
        CreditPack.objects.create(name=f"Studio pack of many credits ({ledger})", ledger=ledger,
                                  credits=250_000, price_minor=1_999_900, currency="usd")
    return user


PHONE_PAGES = [("landing", "/"), ("dashboard", "/dashboard/"), ("studio", "/studio/"),
               ("billing", "/billing/"), ("keys", "/keys/"), ("history", "/studio/jobs/"),
               ("webhooks", "/webhooks/"), ("docs", "/docs/")]


def test_no_page_is_wider_than_a_phone(site, busy_customer):
    with browser_page(site, busy_customer, PHONE) as page:
        for name, path in PHONE_PAGES:
            page.goto(site + path)
            screenshot(page, f"phone-{name}")
            width = page_width(page)
            assert width["scroll"] <= width["inner"], (name, width)


def test_the_phone_menu_folds_and_opens_without_javascript(site, busy_customer):
    with browser_page(site, busy_customer, PHONE) as page:
        page.goto(site + "/dashboard/")
        history = page.locator(".mainnav").get_by_role("link", name="Job history")
        expect(history).to_be_hidden()
        account = page.locator(".usernav").get_by_role("link", name=LONG_EMAIL)
        expect(account).to_be_hidden()
        page.locator("label.nav-toggle-label").click()
        expect(history).to_be_visible()
        expect(account).to_be_visible()
        width = page_width(page)
        assert width["scroll"] <= width["inner"], width
        screenshot(page, "phone-menu-open")
        history.click()
        page.wait_for_url(site + "/studio/jobs/")
        expect(page.get_by_role("heading", name="Job history")).to_be_visible()

    # The same without JavaScript: the menu is a checkbox and CSS.
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=PHONE, java_script_enabled=False)
        page = context.new_page()
        page.goto(site + "/")
        login = page.locator(".usernav").get_by_role("link", name="Log in")
        expect(login).to_be_hidden()
        page.locator("label.nav-toggle-label").click()
        expect(login).to_be_visible()
        context.close()
        browser.close()


def test_on_a_phone_tables_scroll_in_their_box_and_file_pickers_fill_the_width(
        site, busy_customer, tmp_path):
    with browser_page(site, busy_customer, PHONE) as page:
        page.goto(site + "/billing/")
        for table in page.locator("table.table").all():
            box = table.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
            assert table.evaluate("t => getComputedStyle(t).overflowX") == "auto"
        buy = page.get_by_role("button", name="Buy").first
        assert buy.is_disabled()
        assert buy.evaluate("b => getComputedStyle(b).cursor") == "not-allowed"
        enabled_color = page.locator("form.inline button.linklike").evaluate(
            "b => getComputedStyle(b).backgroundColor")
        assert buy.evaluate("b => getComputedStyle(b).backgroundColor") != enabled_color

        page.goto(site + "/studio/")
        for field in ("image", "audio"):
            picker = page.locator(f"#file-{field}")
            box = picker.bounding_box()
            assert box["width"] >= PHONE["width"] * 0.7 and box["height"] >= 40, (field, box)
            assert box["x"] + box["width"] <= PHONE["width"]
        page.set_input_files("#file-audio", str(make_audio(tmp_path / "speech.wav", 1.0)))
        expect(page.locator('[data-field="audio"] .upload-status')).to_contain_text("Uploaded")


def test_the_admin_job_list_fits_1280_px(site, busy_customer):
    staff = UserFactory(email="support@example.com", is_staff=True, is_superuser=True)
    for _ in range(3):
        make_completed_job(busy_customer, credits=12_345)
    with browser_page(site, staff, {"width": 1280, "height": 900}) as page:
        page.goto(site + "/admin/generation/job/")
        screenshot(page, "admin-jobs-1280")
        width = page_width(page)
        assert width["scroll"] <= width["inner"], width
        results = page.locator("#changelist .results")  # scrolls sideways when too wide
        assert results.evaluate("box => box.scrollWidth <= box.clientWidth")
        header = page.locator("#result_list thead").inner_text()
        for column in ("JOB", "CREATED", "OWNER", "MODEL", "STATUS", "LEDGER", "CREDITS"):
            assert column in header


# --- the studio's feedback ---------------------------------------------------------------------


def test_a_refused_files_reason_stays_until_another_file_is_picked(site, busy_customer,
                                                                   tmp_path):
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("these are meeting notes, not a recording\n" * 20)
    with browser_page(site, busy_customer, {"width": 1280, "height": 900}) as page:
        page.goto(site + "/studio/")
        error = page.locator('[data-error-for="formState.audio"]')
        page.set_input_files("#file-audio", str(not_audio))
        expect(error).to_contain_text("This file cannot be used:")
        reason = error.inner_text()
        assert "audio" in reason

        page.get_by_role("button", name="Generate video").click()
        expect(page.locator("#form-error")).to_have_text("Check the fields marked in red.")
        assert error.inner_text() == reason  # not "Upload a file or paste its URL."
        page.locator("input[name=mode][value=lipsync-video]").check()  # clears other errors
        page.locator("input[name=mode][value=lipsync-image]").check()
        assert error.inner_text() == reason

        page.set_input_files("#file-audio", str(make_audio(tmp_path / "speech.wav", 1.0)))
        expect(page.locator('[data-field="audio"] .upload-status')).to_contain_text("Uploaded")
        expect(error).to_have_text("")
        assert Job.objects.count() == 2  # the fixture's; nothing was submitted


def test_a_failed_jobs_bar_shows_failure(site, busy_customer):
    job = Job.objects.get(owner=busy_customer, status="failed")
    Job.objects.filter(pk=job.pk).update(progress=0.1, completed_at=timezone.now())
    with browser_page(site, busy_customer, {"width": 1280, "height": 900}) as page:
        page.goto(f"{site}/studio/jobs/{job.id}/")
        expect(page.locator("#job-status")).to_have_text("Failed")
        expect(page.locator("#job-progress-text")).to_have_text("Failed")
        bar = page.locator("#job-progress")
        assert bar.evaluate("b => b.value") == 100
        assert bar.evaluate("b => getComputedStyle(b).accentColor") == "rgb(201, 42, 42)"
        # The site's wording of the failure (errorCode input_not_media, the audio), not the
        # API's "formState.audio ..." sentence.
        expect(page.locator("#job-error")).to_have_text(
            "The job failed: We could not read the audio. Use a supported file of the right kind.")
        expect(page.locator("#job-cancel")).to_be_hidden()


def test_on_a_desktop_the_links_show_in_one_row_without_a_menu(site, busy_customer):
    job = Job.objects.get(owner=busy_customer, status="completed")
    Job.objects.filter(pk=job.pk).update(
        warnings=["prompt was accepted but is not used by this engine (lipsync)."])
    with browser_page(site, busy_customer, {"width": 1280, "height": 900}) as page:
        page.goto(f"{site}/studio/jobs/{job.id}/")
        expect(page.locator("label.nav-toggle-label")).to_be_hidden()
        links = page.locator(".mainnav a")
        tops = {round(box["y"]) for box in (link.bounding_box() for link in links.all())}
        assert len(tops) == 1, tops  # one row
        expect(page.locator(".mainnav").get_by_role("link", name="Job history")).to_be_visible()
        expect(page.locator("#job-warnings")).to_contain_text("Notes on this video")
        screenshot(page, "desktop-job-page")


# --- the API docs, offline (every request that leaves the site is aborted by browser_page) ----


def _requests_elsewhere(page, site: str) -> list[str]:
    elsewhere: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(site)
            else elsewhere.append(request.url))
    return elsewhere


def test_swagger_ui_lists_the_operations_offline(site, owner):
    with browser_page(site, owner, PHONE) as page:
        elsewhere = _requests_elsewhere(page, site)
        page.goto(f"{site}/api/docs/")
        expect(page.locator(".opblock-summary-path", has_text="/api/v1/lipsync-image").first
               ).to_be_visible()
        expect(page.locator(".opblock-summary-path", has_text="/api/v1/estimate")).to_be_visible()
        assert elsewhere == []


def test_redoc_lists_the_operations_offline(site, owner):
    with browser_page(site, owner, PHONE) as page:
        elsewhere = _requests_elsewhere(page, site)
        page.goto(f"{site}/api/redoc/")
        expect(page.get_by_role("heading", name="Job status and result")).to_be_visible()
        expect(page.get_by_role("heading", name="The price of a job before submitting it")
               ).to_be_visible()
        # Only ReDoc's own "API docs by Redocly" badge points elsewhere (an image, not needed).
        assert [url for url in elsewhere if not url.endswith("/redoc/logo-mini.svg")] == []


def test_the_api_guides_code_scrolls_inside_its_box_on_a_phone(site, owner):
    with browser_page(site, owner, PHONE) as page:
        page.goto(f"{site}/docs/")
        width = page_width(page)
        assert width["scroll"] <= width["inner"]
        pre = page.locator("pre", has_text="curl -X POST")
        assert pre.evaluate("p => getComputedStyle(p).overflowX") == "auto"
        assert pre.evaluate("p => p.scrollWidth > p.clientWidth")  # long lines: it scrolls
        expect(page.locator("#error-code-catalog")).to_contain_text("no_face")
