"""A customer's first visit, in a real browser (Debian's Chromium driven by Playwright):

sign up, buy user credits (Stripe at its boundary: Checkout created through a fake Stripe HTTP
client, then the webhook posted with a real signature), create an API key and copy it, make a
video in the studio from an uploaded image and audio while a real RQ worker process runs, watch
the progress bar reach the end, check the <video> element's duration, switch to Portuguese.

Set LIPSYNC_SCREENSHOTS_DIR to save screenshots of the main pages there (bench/screenshots.py
does, into docs/screenshots/).
"""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import stripe
from django.conf import settings as django_settings
from django.db import connections

from accounts.models import User
from billing import stripe_gateway
from billing.models import CreditPack
from tests.billing.factories import WEBHOOK_SECRET, FakeStripeHTTP, paid_session, stripe_event
from tests.media_intake.factories import make_audio, make_image
from tests.worker import worker_env

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AUDIO_SECONDS = 2.0
PASSWORD = "a-long-browser-test-password-7"

sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright is not installed (requirements-test.txt)")
expect = sync_api.expect

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"{CHROMIUM} is missing: apt-get install -y chromium"),
]


class CheckoutReturnsToSite(FakeStripeHTTP):
    """Stripe's hosted payment page is outside this machine: the fake Checkout Session sends the
    browser straight to the site's success URL, as Stripe does once the card is paid."""

    def __init__(self, success_url: str):
        super().__init__()
        self.success_url = success_url

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        body, status, response_headers = super().request(method, url, headers, post_data,
                                                         _usage=_usage)
        if url.endswith("/v1/checkout/sessions") and status == 200:
            session = json.loads(body)
            session["url"] = self.success_url.replace("{CHECKOUT_SESSION_ID}", session["id"])
            body = json.dumps(session)
        return body, status, response_headers


@pytest.fixture
def site(live_server, settings, tmp_path, monkeypatch):
    """The live server as SITE_URL (upload and output URLs point at it), Stripe configured with
    a fake transport, operator pricing that is not the default, media under tmp_path."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop + the ORM here
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.LIPSYNC_CREDITS_PER_SECOND_480P = 3
    fake = CheckoutReturnsToSite(f"{live_server.url}/billing/checkout/success/"
                                 "?session_id={CHECKOUT_SESSION_ID}")
    monkeypatch.setattr(stripe_gateway, "stripe_http_client", lambda: fake)
    return live_server.url


@pytest.fixture
def worker(site, settings, tmp_path):
    """A long-running RQ worker process on the gpu queue, with the same site and pricing."""
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "fetch", "gpu"], cwd=django_settings.BASE_DIR,
        env=worker_env(SITE_URL=site, MEDIA_ROOT=str(settings.MEDIA_ROOT),
                       LIPSYNC_CREDITS_PER_SECOND_480P="3"),
        stdout=log, stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture
def page(site):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      locale="en-US")
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
        # Nothing leaves this machine: any request to another origin is refused.
        context.route("**/*", lambda route: route.continue_()
                      if route.request.url.startswith(site) else route.abort())
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        context.close()
        browser.close()
        # Inside Playwright's sync API the test ran in another context, with database
        # connections of its own: close them, or the test database cannot be dropped.
        connections.close_all()


def screenshot(page, name: str) -> None:
    folder = os.environ.get("LIPSYNC_SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def post_stripe_webhook(site: str, event: dict) -> dict:
    body = json.dumps(event)
    request = urllib.request.Request(
        f"{site}/billing/stripe/webhook/", data=body.encode(), method="POST",
        headers={"Content-Type": "application/json",
                 "Stripe-Signature": stripe.WebhookSignature.generate_signature_header(
                     body, WEBHOOK_SECRET)})
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read())


def api_get(site: str, path: str, key: str) -> dict:
    request = urllib.request.Request(f"{site}{path}", headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read())


@pytest.mark.django_db(transaction=True)
def test_sign_up_buy_credits_make_a_video_and_switch_to_portuguese(site, worker, page,
                                                                   tmp_path):
    pack = CreditPack.objects.create(name="Browser pack", ledger="user", credits=1000,
                                     price_minor=1200, currency="usd")
    image = make_image(tmp_path / "portrait.png")
    audio = make_audio(tmp_path / "speech.wav", AUDIO_SECONDS)

    # --- landing and sign-up --------------------------------------------------------------
    page.goto(site + "/")
    screenshot(page, "landing")
    page.get_by_role("link", name="Sign up").first.click()
    page.fill("input[name=email]", "newcomer@example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(site + "/dashboard/")
    expect(page.get_by_text("Welcome! Your account is ready.")).to_be_visible()
    assert page.locator('[data-ledger="user"] .available').inner_text() == "0"
    user = User.objects.get(email="newcomer@example.com")

    # --- buy user credits: Checkout, then Stripe's signed webhook ---------------------------
    page.goto(site + "/billing/")
    page.locator("tr", has_text="Browser pack").get_by_role("button", name="Buy").click()
    page.wait_for_url("**/billing/checkout/success/?session_id=cs_test_123")
    expect(page.get_by_role("heading", name="Thank you for your purchase")).to_be_visible()
    answer = post_stripe_webhook(site, stripe_event(
        "checkout.session.completed", paid_session(user=user, pack=pack)))
    assert answer["status"] == "processed"
    page.reload()
    expect(page.get_by_text("1,000 User credits were added to your account.")).to_be_visible()
    page.goto(site + "/billing/")
    assert page.locator('[data-ledger="user"] .available').inner_text() == "1,000"
    screenshot(page, "billing")

    # --- an API key, copied with the Copy button --------------------------------------------
    page.goto(site + "/keys/")
    page.fill("input[name=name]", "laptop")
    page.get_by_role("button", name="Create key").click()
    key = page.locator("#new-key").inner_text().strip()
    assert key.startswith("sk_")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Copied!")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == key  # what Copy put there
    assert api_get(site, "/api/v1/balance", key)["ledger"] == "api"
    screenshot(page, "api-keys")

    # --- the studio: upload, price, submit, progress, result -------------------------------
    page.goto(site + "/studio/")
    expect(page.locator("#user-balance")).to_have_text("1,000 user credits available")
    assert page.locator("input[name=mode][value=lipsync-image]").is_checked()
    assert page.locator("#price").inner_text() == "Choose the audio to see the price."
    page.set_input_files("#file-image", str(image))
    page.wait_for_function("document.getElementById('url-image').value.includes('/api/v1/uploads/')")
    page.set_input_files("#file-audio", str(audio))
    page.wait_for_function("document.getElementById('price').dataset.credits !== ''")
    assert "(2.0 s)" in page.locator('[data-field="audio"] .upload-status').inner_text()
    # 2 s of audio: the 5 s minimum at this operator's 3 credits per second.
    assert page.locator("#price").inner_text() == (
        "Price: 15 credits (5 s at 3 credits per second).")
    page.select_option("#id_resolution", "720p")
    assert page.locator("#price").inner_text() == (
        "Price: 20 credits (5 s at 4 credits per second).")
    page.select_option("#id_resolution", "480p")
    page.fill("#id_seed", "42")
    page.fill("#id_prompt", "a warm smile")  # no engine uses it: the job's notes say so
    page.evaluate("""() => {
        window.progressSeen = [];
        const bar = document.getElementById('job-progress');
        new MutationObserver(() => window.progressSeen.push(Number(bar.value)))
            .observe(bar, {attributes: true, attributeFilter: ['value', 'aria-valuenow']});
    }""")
    page.get_by_role("button", name="Generate video").click()

    panel = page.locator("#job-panel")
    panel.wait_for(state="visible")
    page.wait_for_selector("#job-panel[data-status=completed]", timeout=120_000)
    assert page.locator("#job-progress").evaluate("bar => bar.value") == 100
    assert page.locator("#job-progress-text").inner_text() == "100%"
    seen = page.evaluate("window.progressSeen")
    assert seen and seen[-1] == 100 and seen == sorted(seen), seen
    assert "15 credits were charged" in page.locator("#job-status-text").inner_text()
    # The badge follows the charge without a reload, and the engine's notes are shown.
    expect(page.locator("#user-balance")).to_have_text("985 user credits available")
    expect(page.locator("#job-warnings")).to_be_visible()
    expect(page.locator("#job-warnings li").filter(
        has_text="prompt was accepted but is not used by this engine")).to_have_count(1)

    page.wait_for_function("document.getElementById('job-video').readyState >= 1",
                           timeout=30_000)
    duration = page.evaluate("document.getElementById('job-video').duration")
    assert abs(duration - AUDIO_SECONDS) < 0.2, duration
    download = page.locator("#job-download")
    assert download.get_attribute("href") == page.locator("#job-video").get_attribute("src")
    assert "/outputs/" in download.get_attribute("href")
    page.wait_for_function("document.getElementById('job-video').readyState >= 2")
    screenshot(page, "studio")

    # The job is in the history and the dashboard shows what it cost.
    page.goto(site + "/studio/jobs/?status=completed&mode=lipsync-image")
    assert page.locator("#job-history tbody tr").count() == 1
    page.goto(site + "/dashboard/")
    assert page.locator('[data-ledger="user"] .available').inner_text() == "985"
    expect(page.locator("#recent-jobs").get_by_text("Completed")).to_be_visible()
    screenshot(page, "dashboard")
    page.goto(site + "/docs/")
    expect(page.locator('a[href="/api/docs/"]')).to_be_visible()
    screenshot(page, "docs")

    # --- Portuguese ---------------------------------------------------------------------------
    page.goto(site + "/dashboard/")
    page.locator(".langmenu summary").click()
    page.locator("form.langswitch button[value=pt-br]").click()
    page.wait_for_url(site + "/dashboard/")
    expect(page.get_by_role("heading", name="Painel", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Chaves de API").first).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "pt-br"
    screenshot(page, "dashboard-pt-br")
    page.goto(site + "/studio/")
    assert page.locator("#price").inner_text() == "Escolha o áudio para ver o preço."
    # ... and back to English.
    page.locator(".langmenu summary").click()
    page.locator("form.langswitch button[value=en]").click()
    page.wait_for_url(site + "/studio/")
    expect(page.get_by_role("heading", name="Studio", exact=True)).to_be_visible()
