"""The RQ dashboard can delete, requeue and stop jobs and shows their arguments: superusers only."""

import pytest
from django.contrib.auth.models import Permission

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/django-rq/"


def test_a_superuser_sees_the_queues(client):
    client.force_login(UserFactory(email="root@example.com", is_staff=True, is_superuser=True))
    response = client.get(DASHBOARD)
    assert response.status_code == 200 and "webhooks" in response.content.decode()


def test_staff_who_are_not_superusers_are_refused_everywhere_in_it(client):
    support = UserFactory(email="support@example.com", is_staff=True)
    support.user_permissions.add(*Permission.objects.all())
    client.force_login(support)
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(f"{DASHBOARD}queues/0/").status_code == 403
    assert client.get(f"{DASHBOARD}stats.json").status_code == 403
    # django-rq's own admin entry, which only asks for staff, is not mounted
    assert client.get("/admin/django_rq/dashboard/").status_code == 404


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
