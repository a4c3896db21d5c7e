import factory

from billing.models import CreditPack, Ledger
from billing.services import credit_account_get_or_create, credits_grant


class CreditPackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditPack

    name = factory.Sequence(lambda n: f"Test pack {n}")
    ledger = Ledger.API
    credits = 500
    price_minor = 700
    currency = "usd"
    active = True


def funded_account(user, ledger: str = Ledger.API, credits: int = 100):
    """A credit account holding `credits`, funded through a grant entry like real ones."""
    account = credit_account_get_or_create(user=user, ledger=ledger)
    if credits:
        credits_grant(account=account, amount=credits, reason="Test funds.",
                      idempotency_key=f"test-funds:{account.pk}:{account.balance}:{credits}")
    account.refresh_from_db()
    return account
