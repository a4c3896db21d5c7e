"""Support tool: grant credits to a user on one ledger, with a reason for their history."""

import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from billing.models import Ledger
from billing.services import credit_account_get_or_create, credits_grant


def positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError(raw)
    return value


class Command(BaseCommand):
    help = "Grant credits to a user: grantcredits --email E --ledger api|user --amount N --reason R"

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--ledger", required=True, choices=Ledger.values)
        parser.add_argument("--amount", required=True, type=positive_int,
                            help="credits to add, a whole number >= 1")
        parser.add_argument("--reason", required=True, help="shown in the user's history")
        parser.add_argument("--idempotency-key", default="",
                            help="re-running with the same key grants only once "
                                 "(default: a new key each run)")

    def handle(self, *args, email, ledger, amount, reason, idempotency_key, **options):
        user_model = get_user_model()
        try:
            user = user_model.objects.get_by_natural_key(email)
        except user_model.DoesNotExist:
            raise CommandError(f"No user has the e-mail address {email!r}.") from None
        if not reason.strip():
            raise CommandError("--reason must not be empty; it is shown in the user's history.")
        account = credit_account_get_or_create(user=user, ledger=ledger)
        entry = credits_grant(
            account=account, amount=amount, reason=reason,
            idempotency_key=f"manual:{idempotency_key or uuid.uuid4()}",
        )
        account.refresh_from_db()
        self.stdout.write(self.style.SUCCESS(
            f"Granted {entry.amount} {account.ledger_english} credits to {user.email} "
            f"(entry {entry.pk}); available now {account.available}."
        ))
