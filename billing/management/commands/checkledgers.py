"""Reconciliation: every account's cached balance/held must equal the sum of its entries, and no
finished job may still hold credits (the reaper's sweep releases those; this reports them)."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Sum
from django.db.models.functions import Coalesce

from billing.models import CreditAccount
from generation.selectors import finished_job_ids_with_held_credits


class Command(BaseCommand):
    help = ("Compare every credit account's cached balance and held credits with the sum of its "
            "ledger entries, and look for finished jobs that still hold credits; exit 1 and "
            "list what is wrong.")

    def handle(self, *args, **options):
        mismatched, checked = self._check_accounts()
        held = finished_job_ids_with_held_credits()
        for job_id in held:
            self.stderr.write(f"job {job_id} is finished but still holds credits (the reaper's "
                              "sweep releases them)")
        if mismatched or held:
            raise CommandError(f"{mismatched} of {checked} credit accounts do not match their "
                               f"ledger entries; {len(held)} finished jobs still hold credits.")
        self.stdout.write(self.style.SUCCESS(f"All {checked} credit accounts match their "
                                             "ledger entries; no finished job holds credits."))

    def _check_accounts(self) -> tuple[int, int]:
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
        return mismatched, checked
