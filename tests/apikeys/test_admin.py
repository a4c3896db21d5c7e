import pytest
from django.urls import reverse

from apikeys.secrets import parse_key
from support.models import StaffAction
from tests.apikeys.factories import make_key
from tests.factories import UserFactory


@pytest.mark.django_db
def test_admin_lists_keys_without_secrets_and_revokes(client, owner):
    api_key, full_key = make_key(owner, name="prod")
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)

    listing = client.get(reverse("admin:apikeys_apikey_changelist")).content.decode()
    assert api_key.key_id in listing and "owner@example.com" in listing
    detail = client.get(reverse("admin:apikeys_apikey_change", args=[api_key.pk])).content.decode()
    assert parse_key(full_key).secret not in detail and api_key.secret_hash not in detail

    changelist = reverse("admin:apikeys_apikey_changelist")
    selection = {"action": "revoke_keys", "_selected_action": [api_key.pk]}
    asked = client.post(changelist, selection).content.decode()
    assert "cannot be undone" in asked and 'name="reason"' in asked
    api_key.refresh_from_db()
    assert api_key.is_active  # nothing happens before a reason is given

    client.post(changelist, {**selection, "apply": "1", "reason": "key leaked in a public repo"})
    api_key.refresh_from_db()
    assert not api_key.is_active
    recorded = StaffAction.objects.get()
    assert (recorded.staff_user, recorded.action, recorded.reason) == (
        staff, "key_revoke", "key leaked in a public repo")
