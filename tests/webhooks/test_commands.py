import io

import pytest
from django.core.management import CommandError, call_command

from webhooks.models import SigningSecret

pytestmark = pytest.mark.django_db


def test_webhooksecret_prints_the_accounts_secret(owner):
    out = io.StringIO()
    call_command("webhooksecret", "--email", "owner@example.com", stdout=out)
    printed = out.getvalue().strip()
    assert printed.startswith("whsec_")
    assert printed == SigningSecret.objects.get(owner=owner).secret

    again = io.StringIO()
    call_command("webhooksecret", "--email", "owner@example.com", stdout=again)
    assert again.getvalue().strip() == printed  # shown, not replaced


def test_webhooksecret_names_an_unknown_email(db):
    with pytest.raises(CommandError, match="No user with e-mail 'nobody@example.com'"):
        call_command("webhooksecret", "--email", "nobody@example.com")
