import re

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

NEW_PASSWORD = "brand-New-passphrase-7"


@pytest.mark.django_db
@override_settings(SITE_URL="https://lipsync.test")
def test_reset_mail_link_sets_a_new_password(client, owner):
    response = client.post(reverse("accounts:password_reset"), {"email": "Owner@Example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@example.com"]
    link = re.search(r"https://lipsync\.test(/\S+)", message.body).group(1)

    response = client.get(link, follow=True)  # Django swaps the token for a session marker
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)

    # The link works once.
    assert "no longer valid" in client.get(link, follow=True).content.decode()


@pytest.mark.django_db
def test_reset_for_unknown_email_sends_nothing_and_reveals_nothing(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []
