"""English and Brazilian Portuguese: the switch, the pages, the catalogs; the API stays English."""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from tests.apikeys.factories import make_key

pytestmark = pytest.mark.django_db

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "pt_BR" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")
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


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda match: _ESCAPES.get(match.group(1), match.group(0)), text)


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgid, msgid_plural, msgstr / msgstr[n], flags."""
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
    return [e for e in entries if e["msgid"] and not e.get("obsolete")]


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_is_translated_and_compiled(domain):
    entries = read_po(LOCALE_DIR / f"{domain}.po")
    assert entries
    untranslated = [e["msgid"] for e in entries
                    if "fuzzy" in e["flags"]
                    or not all(value for key, value in e.items() if key.startswith("msgstr"))]
    assert untranslated == []
    with (LOCALE_DIR / f"{domain}.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in entries:
        if "msgid_plural" in entry:
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1) == \
                entry["msgstr[0]"], "the .mo is older than the .po: run compilemessages"
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], (
                f"{domain}.mo is older than {domain}.po: run compilemessages ({entry['msgid']!r})")
    for entry in entries:  # placeholders survive translation
        source = set(re.findall(r"%\(\w+\)[sd]|\{\w+\}", entry["msgid"]))
        target = set(re.findall(r"%\(\w+\)[sd]|\{\w+\}", entry.get("msgstr") or
                                entry.get("msgstr[0]", "")))
        assert source == target, entry["msgid"]


@pytest.mark.skipif(shutil.which("xgettext") is None,
                    reason="gettext is not installed (apt-get install gettext)")
@pytest.mark.parametrize("domain", DOMAINS)
def test_makemessages_finds_no_untranslated_string(domain, tmp_path):
    """Every string marked for translation in the code is in the catalog, translated: run
    makemessages on a copy of the source tree and look for new, empty entries."""
    copy = tmp_path / "src"
    shutil.copytree(settings.BASE_DIR, copy, ignore=shutil.ignore_patterns(
        ".venv", "var", "staticfiles", ".git", "__pycache__", "*.mo", ".pytest_cache",
        ".ruff_cache", "node_modules"))
    command = [sys.executable, "manage.py", "makemessages", "-l", "pt_BR", "-d", domain,
               *[f"--ignore={pattern}" for pattern in MAKEMESSAGES_IGNORE]]
    done = subprocess.run(command, cwd=copy, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "x" * 50,
                               "LIPSYNC_VAR_DIR": str(tmp_path / "var"),
                               "REDIS_URL": "redis://127.0.0.1:1/0"})
    assert done.returncode == 0, done.stderr[-2000:]
    fresh = read_po(copy / "locale" / "pt_BR" / "LC_MESSAGES" / f"{domain}.po")
    missing = [e["msgid"] for e in fresh
               if "fuzzy" in e["flags"] or not e.get("msgstr", e.get("msgstr[0]"))]
    assert missing == [], f"translate these in locale/pt_BR/LC_MESSAGES/{domain}.po"
