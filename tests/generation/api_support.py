"""Shared pieces of the generation API tests: funded accounts, keys, clients, DNS, workers."""

from rest_framework.test import APIClient

from billing.services import credit_account_get_or_create, credits_grant
from tests.apikeys.factories import make_key


def grant(user, ledger: str, amount: int, key: str = "test-grant"):
    account = credit_account_get_or_create(user=user, ledger=ledger)
    credits_grant(account=account, amount=amount, reason="test",
                  idempotency_key=f"{key}:{user.pk}:{ledger}")
    return account


def key_client(user) -> APIClient:
    _, full_key = make_key(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {full_key}")
    return client
