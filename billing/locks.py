"""The one way to lock credit accounts (after Saleor's lock_objects.py).

Every change to an account's cached balance/held, and to a purchase's refund columns, happens
while holding the account's row lock. Several accounts are always locked in primary-key order,
so two transactions can never wait on each other in a cycle. Call inside transaction.atomic.
"""

from billing.models import CreditAccount


def credit_accounts_select_for_update():
    return CreditAccount.objects.order_by("pk").select_for_update(of=("self",))


def credit_account_lock(account_id: int) -> CreditAccount:
    return credit_accounts_select_for_update().get(pk=account_id)
