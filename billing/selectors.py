"""Reads of balances, history, packs and purchases."""

from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from billing.models import CreditAccount, CreditPack, Ledger, LedgerEntry, Purchase


@dataclass(frozen=True)
class Balance:
    balance: int
    held: int
    available: int

    @classmethod
    def of(cls, *, balance: int, held: int) -> "Balance":
        return cls(balance=balance, held=held, available=balance - held)


def credit_balance_get(*, user, ledger: str) -> Balance:
    """The user's balance on one ledger; zero when the user has no account there yet."""
    row = (CreditAccount.objects.filter(user=user, ledger=ledger)
           .values("balance", "held").first())
    return Balance.of(**row) if row else Balance.of(balance=0, held=0)


def credit_account_is_frozen(*, user, ledger: str) -> bool:
    """Frozen by a payment dispute whose credits were already spent (billing/disputes.py)."""
    return CreditAccount.objects.filter(user=user, ledger=ledger,
                                        frozen_at__isnull=False).exists()


def ledger_for_request(request) -> Ledger:
    """Which ledger a request spends: API credits with an API key, else user credits.

    DRF sets request.auth to the ApiKey for Bearer authentication and to None for a browser
    session, so a logged-in user trying the API from the browser spends user credits.
    """
    return Ledger.API if getattr(request, "auth", None) is not None else Ledger.USER


def ledger_entries_of_user(*, user, ledger: str | None = None) -> QuerySet[LedgerEntry]:
    entries = LedgerEntry.objects.filter(account__user=user).select_related("account")
    if ledger:
        entries = entries.filter(account__ledger=ledger)
    return entries.order_by("-created_at", "-id")


def purchases_of_user(*, user) -> QuerySet[Purchase]:
    return (Purchase.objects.filter(user=user).select_related("pack", "account")
            .order_by("-created_at", "-id"))


def purchase_of_user_by_session(*, user, checkout_session_id: str) -> Purchase | None:
    return purchases_of_user(user=user).filter(checkout_session_id=checkout_session_id).first()


def credit_packs_by_ledger() -> dict[str, list[CreditPack]]:
    """Active packs, both ledgers always present (possibly empty), cheapest first."""
    packs: dict[str, list[CreditPack]] = {ledger: [] for ledger in Ledger.values}
    for pack in CreditPack.objects.filter(active=True).order_by("ledger", "price_minor", "id"):
        packs[pack.ledger].append(pack)
    return packs


def credit_pack_for_sale(*, pack_id: int) -> CreditPack | None:
    return CreditPack.objects.filter(pk=pack_id, active=True).first()


def job_ids_with_held_credits() -> list[str]:
    """Jobs whose hold entries are not all settled (their entries' held changes do not sum to
    zero): running jobs, and any finished job a path forgot to settle."""
    return list(LedgerEntry.objects.exclude(job_id="").values("job_id")
                .annotate(held=Sum("held_change")).filter(held__gt=0)
                .values_list("job_id", flat=True))
