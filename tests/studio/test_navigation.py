"""The header on every page: the links (Job history among them), the narrow-screen menu that
works without JavaScript, and the site's icon."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db

SIGNED_IN_PAGES = ["dashboard", "studio:studio", "studio:history", "apikeys:list",
                   "billing:overview", "webhooks:overview", "accounts:account"]


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_job_history_is_in_the_top_navigation(owner_client, name):
    html = owner_client.get(reverse(name)).content.decode()
    nav = html.split('<nav class="mainnav"', 1)[1].split("</nav>", 1)[0]
    assert f'<a href="{reverse("studio:history")}">Job history</a>' in nav


def test_signed_out_visitors_get_no_job_history_link(client):
    html = client.get(reverse("landing")).content.decode()
    assert reverse("studio:history") not in html


def test_the_menu_toggle_is_a_checkbox_and_label_before_the_links(client):
    html = client.get(reverse("landing")).content.decode()
    header = html.split('<header class="topbar">', 1)[1].split("</header>", 1)[0]
    toggle = header.index('<input type="checkbox" id="nav-toggle" class="nav-toggle"')
    label = header.index('<label for="nav-toggle" class="nav-toggle-label">Menu</label>')
    panel = header.index('<div class="navpanel" id="nav-panel">')
    assert toggle < label < panel < header.index('<nav class="mainnav"')
    assert "<script" not in header


def test_the_menu_label_is_translated(client):
    html = client.get(reverse("landing"), HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()
    assert '<label for="nav-toggle" class="nav-toggle-label">Menu</label>' in html


def test_pages_link_the_icon_and_favicon_ico_serves_one(client):
    html = client.get(reverse("landing")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and b"<svg" in b"".join(svg.streaming_content)

    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # the ICO header
    assert body == open(finders.find("favicon.ico"), "rb").read()
