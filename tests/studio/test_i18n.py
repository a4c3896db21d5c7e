"""The site's languages: the switch, the pages, the catalogs of every language in
settings.LANGUAGES (complete, compiled, placeholders kept); the API stays English."""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import to_locale
from rest_framework.test import APIClient

from tests.apikeys.factories import make_key

pytestmark = pytest.mark.django_db

LOCALE_ROOT = Path(settings.BASE_DIR) / "locale"
DOMAINS = ("django", "djangojs")
# Every language of the site but the one the code is written in has a catalog of its own.
TRANSLATED = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
# The catalog the others are held to: the same msgids (makemessages keeps it in step with the code).
REFERENCE = "pt-br"
# What `makemessages` is run with (README "Dashboard and languages").
MAKEMESSAGES_IGNORE = [".venv", "var", "staticfiles", "tests", "bench", "docs"]


# --- the switch and the pages ------------------------------------------------------------------


def test_the_language_switch_turns_the_site_portuguese_and_back(owner_client):
    response = owner_client.post(reverse("set_language"),
                                 {"language": "pt-br", "next": reverse("dashboard")})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pt-br"

    html = owner_client.get(reverse("dashboard")).content.decode()
    assert '<html lang="pt-br">' in html
    assert "<h1>Painel</h1>" in html
    assert "Créditos de API" in html and "Créditos de usuário" in html
    assert "Nota: Créditos de API e de usuário são independentes e não intercambiáveis." in html
    assert ">Sair</button>" in html and "Log out" not in html

    owner_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "<h1>Dashboard</h1>" in owner_client.get(reverse("dashboard")).content.decode()


def test_accept_language_picks_portuguese_for_a_first_visit(client):
    html = client.get(reverse("landing"), HTTP_ACCEPT_LANGUAGE="pt-BR,pt;q=0.9").content.decode()
    assert "Gere vídeos de lipsync programaticamente com nossa poderosa API REST" in html
    assert "Inclua sua chave de API no cabeçalho Authorization:" in html
    html = client.get(reverse("landing"), HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "Generate lip-sync videos programmatically with a REST API" in html


@pytest.mark.parametrize("name, portuguese", [
    ("studio:studio", ["Escolha o áudio para ver o preço.", "Gerar vídeo",
                           "Retrato + áudio", "Quem fala quando"]),
    ("studio:history", ["Histórico de jobs", "Qualquer status"]),
    ("apikeys:list", ["Gerencie suas chaves de autenticação", "Criar chave"]),
    ("billing:overview", ["Comprar créditos", "Reservado por jobs em andamento"]),
    ("generation:docs", ["Guia da API", "documentação interativa da API"]),
    ("accounts:account", ["Alterar senha"]),
])
def test_pages_in_portuguese(owner_client, name, portuguese):
    owner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "pt-br"
    html = owner_client.get(reverse(name)).content.decode()
    for text in portuguese:
        assert text in html, text
    for english in (">Billing<", ">Log out<", ">Docs<", ">Home<"):
        assert english not in html, english


def test_django_form_errors_are_portuguese_too(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "pt-br"
    html = client.post(reverse("accounts:signup"), {"email": "x"}).content.decode()
    assert "Insira um endereço de email válido." in html
    assert "Este campo é obrigatório." in html


# --- all twelve languages ----------------------------------------------------------------------

OWN_NAMES = ["English", "Português (Brasil)", "Español", "Français", "Deutsch", "Italiano",
             "Nederlands", "Русский", "Türkçe", "日本語", "한국어", "繁體中文"]
HEADLINE = "Generate lip-sync videos programmatically with a REST API"


def switch_entries(html: str) -> list[tuple[str, str]]:
    menu = html.split('class="langswitch"', 1)[1].split("</form>", 1)[0]
    return re.findall(r'<button type="submit" name="language" value="([\w-]+)" lang="\1"'
                      r'[^>]*>([^<]+)</button>', menu)


@pytest.mark.parametrize("code", [code for code, _ in settings.LANGUAGES])
def test_each_language_renders_the_landing_page_in_itself(client, code):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    response = client.get(reverse("landing"))
    html = response.content.decode()
    assert f'<html lang="{code}">' in html
    assert response["Content-Language"] == code
    with translation.override(code):
        headline = translation.gettext(HEADLINE)
    assert f"<h1>{escape(headline)}</h1>" in html
    if code != "en":
        assert headline != HEADLINE and HEADLINE not in html
    # The menu names every language in itself, whatever the page's language, and marks this one.
    entries = switch_entries(html)
    assert [name for _, name in entries] == OWN_NAMES
    assert [value for value, _ in entries] == [code for code, _ in settings.LANGUAGES]
    current = dict(settings.LANGUAGES)[code]
    assert f'aria-current="true">{current}</button>' in html
    assert f'<span lang="{code}">{current}</span>' in html  # the menu's closed label


@pytest.mark.parametrize("header, code", [
    ("de-DE,de;q=0.9", "de"), ("de-AT", "de"), ("es-419,es;q=0.8", "es"), ("fr-CA", "fr"),
    ("it-IT", "it"), ("nl-BE", "nl"), ("ru-RU,ru;q=0.9,en;q=0.5", "ru"), ("tr", "tr"),
    ("ja-JP", "ja"), ("ko-KR", "ko"), ("zh-TW", "zh-hant"), ("zh-Hant", "zh-hant"),
    ("zh-HK", "zh-hant"), ("pt", "pt-br"), ("pt-PT", "pt-br"), ("pt-BR", "pt-br"),
    ("en-GB", "en"), ("sv-SE", "en"), ("sv-SE,nl;q=0.5", "nl"),
])
def test_accept_language_picks_one_of_the_twelve(client, header, code):
    response = client.get(reverse("landing"), HTTP_ACCEPT_LANGUAGE=header)
    assert f'<html lang="{code}">' in response.content.decode()


def test_a_chosen_language_wins_over_accept_language(client):
    client.post(reverse("set_language"), {"language": "ko", "next": "/"})
    html = client.get(reverse("landing"), HTTP_ACCEPT_LANGUAGE="de-DE").content.decode()
    assert '<html lang="ko">' in html


# --- the API stays English -------------------------------------------------------------------


@pytest.fixture(params=["header", "cookie"])
def portuguese_api_client(request, owner):
    client = APIClient()
    if request.param == "header":
        client.credentials(HTTP_ACCEPT_LANGUAGE="pt-BR,pt;q=0.9")
    else:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "pt-br"
    return client


def test_api_validation_errors_stay_english(portuguese_api_client, owner):
    _, key = make_key(owner)
    portuguese_api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}",
                                      HTTP_ACCEPT_LANGUAGE="pt-BR")
    response = portuguese_api_client.post("/api/v1/lipsync-image",
                                          {"formState": {"resolution": "1080p"}}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_request"
    assert body["fields"]["formState.image"] == ["This field is required."]
    assert body["fields"]["formState.resolution"] == ['"1080p" is not a valid choice.']
    assert response["Content-Language"] == "en"

    listing = portuguese_api_client.get("/api/v1/jobs", {"status": "bogus"})
    assert listing.json()["error"] == 'status: "bogus" is not a valid choice.'


def test_api_auth_and_not_found_errors_stay_english(portuguese_api_client, owner):
    response = portuguese_api_client.get("/api/v1/balance")
    assert response.status_code == 401
    assert response.json()["error"].startswith("Missing API key")

    portuguese_api_client.force_authenticate(owner)
    missing = portuguese_api_client.get("/api/v1/jobs/00000000-0000-0000-0000-000000000001")
    assert missing.status_code == 404 and missing.json() == {"error": "Not found.",
                                                             "code": "not_found"}


def test_browser_session_api_errors_stay_english_after_switching(owner_client):
    owner_client.post(reverse("set_language"), {"language": "pt-br", "next": "/"})
    response = owner_client.post("/api/v1/lipsync-video", {"formState": {}},
                                 content_type="application/json")
    assert response.json()["fields"]["formState.video"] == ["This field is required."]
    # ... while the site around it speaks Portuguese.
    assert "Painel" in owner_client.get(reverse("dashboard")).content.decode()


# --- the catalogs ------------------------------------------------------------------------------


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
# %(name)s in Python and in the studio's interpolate(), {name} in str.format, and the markup
# some messages carry (<code>, <span class="held">): a translation keeps all of them.
_PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}|</?\w+(?:\s[^>]*)?>")


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda match: _ESCAPES.get(match.group(1), match.group(0)), text)


def read_po(path: Path, *, header: bool = False) -> list[dict]:
    """Entries of a .po file: msgid, msgid_plural, msgstr / msgstr[n], flags (and, with
    header=True, the header entry whose msgid is empty)."""
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    key = None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {"flags": set()}, None
        elif line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#~"):
            entry["obsolete"] = True
        elif match := re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line):
            key = match.group(1)
            entry[key] = _unquote(match.group(2))
        elif (match := re.match(r'^"(.*)"$', line)) and key:
            entry[key] += _unquote(match.group(1))
    return [e for e in entries if (header or e["msgid"]) and not e.get("obsolete")]


def catalog(language: str, domain: str, suffix: str = ".po") -> Path:
    return LOCALE_ROOT / to_locale(language) / "LC_MESSAGES" / f"{domain}{suffix}"


def translations(entry: dict) -> list[str]:
    return [value for key, value in sorted(entry.items()) if key.startswith("msgstr")]


def plural_forms(language: str, domain: str) -> str:
    header = next(e for e in read_po(catalog(language, domain), header=True) if not e["msgid"])
    match = re.search(r"^Plural-Forms:\s*(.+)$", header["msgstr"], re.M)
    assert match, f"{catalog(language, domain)} has no Plural-Forms header"
    return match.group(1).strip()


@pytest.fixture(params=TRANSLATED)
def language(request):
    return request.param


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_language_has_a_catalog_with_every_message(language, domain):
    for suffix in (".po", ".mo"):
        assert catalog(language, domain, suffix).is_file(), (
            f"{language} has no {catalog(language, domain, suffix).relative_to(LOCALE_ROOT)}")
    reference = {e["msgid"] for e in read_po(catalog(REFERENCE, domain))}
    assert reference
    msgids = {e["msgid"] for e in read_po(catalog(language, domain))}
    assert sorted(reference - msgids) == [], f"missing in {language}"
    assert sorted(msgids - reference) == [], f"stale in {language} (no longer in {REFERENCE})"


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_is_translated_with_its_placeholders(language, domain):
    entries = read_po(catalog(language, domain))
    untranslated = [e["msgid"] for e in entries
                    if "fuzzy" in e["flags"] or not all(translations(e))]
    assert untranslated == [], f"untranslated or fuzzy in {language}"
    nplurals = int(re.search(r"nplurals\s*=\s*(\d+)", plural_forms(language, domain)).group(1))
    for entry in entries:
        source = set(_PLACEHOLDER.findall(entry["msgid"]))
        for text in translations(entry):
            assert set(_PLACEHOLDER.findall(text)) == source, (language, entry["msgid"], text)
        if "msgid_plural" in entry:
            assert len(translations(entry)) == nplurals, (language, entry["msgid"])


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalog_is_not_older_than_the_po(language, domain):
    with catalog(language, domain, ".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = f"{catalog(language, domain, '.mo')} is older than its .po: run compilemessages"
    assert compiled.info().get("plural-forms") == plural_forms(language, domain), stale
    for entry in read_po(catalog(language, domain)):
        if "msgid_plural" in entry:
            for n in range(30):
                assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], n) == \
                    entry[f"msgstr[{compiled.plural(n)}]"], (stale, entry["msgid"])
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], (stale, entry["msgid"])


@pytest.mark.skipif(shutil.which("msgfmt") is None,
                    reason="gettext is not installed (apt-get install gettext)")
@pytest.mark.parametrize("domain", DOMAINS)
def test_msgfmt_accepts_the_catalog(language, domain):
    """msgfmt --check: format strings that match their flags, a sound header."""
    done = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(catalog(language, domain))],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(shutil.which("xgettext") is None,
                    reason="gettext is not installed (apt-get install gettext)")
@pytest.mark.parametrize("domain", DOMAINS)
def test_makemessages_finds_no_untranslated_string(domain, tmp_path):
    """Every string marked for translation in the code is in every catalog, translated: run
    makemessages for all the languages on a copy of the source tree and look for new, empty or
    fuzzy entries."""
    copy = tmp_path / "src"
    shutil.copytree(settings.BASE_DIR, copy, ignore=shutil.ignore_patterns(
        ".venv", "var", "staticfiles", ".git", "__pycache__", "*.mo", ".pytest_cache",
        ".ruff_cache", "node_modules"))
    command = [sys.executable, "manage.py", "makemessages", "-d", domain,
               *[f"--locale={to_locale(code)}" for code in TRANSLATED],
               *[f"--ignore={pattern}" for pattern in MAKEMESSAGES_IGNORE]]
    done = subprocess.run(command, cwd=copy, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "x" * 50,
                               "LIPSYNC_VAR_DIR": str(tmp_path / "var"),
                               "REDIS_URL": "redis://127.0.0.1:1/0"})
    assert done.returncode == 0, done.stderr[-2000:]
    missing = {}
    for code in TRANSLATED:
        fresh = read_po(copy / "locale" / to_locale(code) / "LC_MESSAGES" / f"{domain}.po")
        missing[code] = [e["msgid"] for e in fresh
                         if "fuzzy" in e["flags"] or not all(translations(e))]
    assert missing == {code: [] for code in TRANSLATED}, (
        f"translate these in locale/<language>/LC_MESSAGES/{domain}.po")
