"""GET /api/v1/balance: the ledger of the caller's authentication."""

import pytest
from rest_framework.test import APIClient

from billing.models import Ledger
from billing.services import credit_hold_create
from tests.billing.factories import funded_account


@pytest.fixture
def funded_owner(owner):
    api = funded_account(owner, Ledger.API, 100)
    credit_hold_create(account=api, job_id="job-1", amount=20)
    funded_account(owner, Ledger.USER, 7)
    return owner


@pytest.mark.django_db
def test_an_api_key_sees_the_api_ledger(funded_owner):
    client = APIClient()
    client.force_authenticate(user=funded_owner, token=object())  # stands in for the ApiKey
    response = client.get("/api/v1/balance")
    assert response.status_code == 200
    assert response.json() == {"ledger": "api", "balance": 100, "held": 20, "available": 80}


@pytest.mark.django_db
def test_a_browser_session_sees_the_user_ledger(funded_owner):
    client = APIClient()
    client.force_login(funded_owner)
    response = client.get("/api/v1/balance")
    assert response.status_code == 200
    assert response.json() == {"ledger": "user", "balance": 7, "held": 0, "available": 7}


@pytest.mark.django_db
def test_a_user_without_credits_sees_zero(outsider):
    client = APIClient()
    client.force_authenticate(user=outsider, token=object())
    assert client.get("/api/v1/balance").json() == {
        "ledger": "api", "balance": 0, "held": 0, "available": 0}


@pytest.mark.django_db
def test_anonymous_callers_get_the_contract_error():
    response = APIClient().get("/api/v1/balance")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
