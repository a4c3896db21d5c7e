import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.html import escape

from support.models import StaffAction
from tests.factories import UserFactory
from tests.webhooks.factories import make_failed_delivery
from webhooks.models import Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_support_sees_deliveries_with_their_attempts_read_only(staff_client, owner):
    delivery = make_failed_delivery(owner)

    listing = staff_client.get(reverse("admin:webhooks_delivery_changelist")).content.decode()
    assert "owner@example.com" in listing and "https://hooks.example.com/lipsync" in listing
    detail = staff_client.get(reverse("admin:webhooks_delivery_change", args=[delivery.pk]))
    body = detail.content.decode()
    assert "upstream overloaded" in body and "503" in body
    assert escape(delivery.payload_text) in body
    assert 'name="attempts-0-error"' not in body  # attempts are shown, not editable


def test_the_redeliver_action_queues_finished_deliveries_and_skips_pending_ones(staff_client,
                                                                                 owner):
    failed = make_failed_delivery(owner)
    pending = Delivery.objects.create(
        owner=owner, event="test", message_id="msg_pending", url="https://hooks.example.com/t",
        payload=b"{}", status=DeliveryStatus.PENDING, next_attempt_at=failed.created_at,
    )

    changelist = reverse("admin:webhooks_delivery_changelist")
    selection = {"action": "redeliver", "_selected_action": [failed.pk, pending.pk]}
    asked = staff_client.post(changelist, selection).content.decode()
    assert 'name="reason"' in asked and not Delivery.objects.filter(redelivery_of=failed).exists()

    response = staff_client.post(changelist, {**selection, "apply": "1",
                                              "reason": "customer fixed their endpoint"},
                                 follow=True)

    body = response.content.decode()
    assert "Queued 1 redeliveries." in body and "Skipped 1 still being retried." in body
    again = Delivery.objects.get(redelivery_of=failed)
    assert again.message_id == failed.message_id and bytes(again.payload) == bytes(failed.payload)
    assert not Delivery.objects.filter(redelivery_of=pending).exists()
    recorded = StaffAction.objects.get()
    assert (recorded.action, recorded.target_id, recorded.reason) == (
        "delivery_redeliver", str(failed.pk), "customer fixed their endpoint")


def _staff_client_with(client, *codenames):
    staff = UserFactory(email="viewer@example.com", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client.force_login(staff)
    return client


@pytest.mark.parametrize("codenames, allowed", [
    (("view_delivery",), False),
    (("view_delivery", "change_delivery"), True),
])
def test_redelivery_needs_the_change_permission(client, owner, codenames, allowed):
    failed = make_failed_delivery(owner)
    staff_client = _staff_client_with(client, *codenames)
    changelist = reverse("admin:webhooks_delivery_changelist")
    assert staff_client.get(changelist).status_code == 200  # both may look

    response = staff_client.post(changelist, {
        "action": "redeliver", "_selected_action": [failed.pk], "apply": "1",
        "reason": "customer fixed their endpoint"})

    assert response.status_code == (302 if allowed else 403)
    assert Delivery.objects.filter(redelivery_of=failed).exists() is allowed
    assert StaffAction.objects.exists() is allowed
