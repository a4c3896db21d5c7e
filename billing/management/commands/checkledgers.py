"""Reconciliation: every account's cached balance/held must equal the sum of its entries."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Sum
from django.db.models.functions import Coalesce

from billing.models import CreditAccount


class Command(BaseCommand):
    help = ("Compare every credit account's cached balance and held credits with the sum of its "
            "ledger entries; exit 1 and list the accounts that differ.")

    def handle(self, *args, **options):
        accounts = (
            CreditAccount.objects.select_related("user").order_by("pk")
            .annotate(entries_balance=Coalesce(Sum("entries__balance_change"), 0),
                      entries_held=Coalesce(Sum("entries__held_change"), 0))
        )
        checked = mismatched = 0
        for account in accounts.iterator(chunk_size=2000):
            checked += 1
            if (account.balance, account.held) == (account.entries_balance, account.entries_held):
                continue
            mismatched += 1
            self.stderr.write(
                f"account {account.pk} ({account.user.email}, {account.ledger}): "
                f"cached balance {account.balance}, held {account.held}; "
                f"entries say balance {account.entries_balance}, held {account.entries_held}"
            )
        if mismatched:
            raise CommandError(f"{mismatched} of {checked} credit accounts do not match their "
                               "ledger entries.")
        self.stdout.write(self.style.SUCCESS(f"All {checked} credit accounts match their "
                                             "ledger entries."))
