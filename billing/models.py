"""Two credit ledgers per user (API and user credits), their append-only entries, and purchases.

Modelled on double-checked ledgers (TigerBeetle's two-phase transfers): an account's `balance`
and `held` are a cache of the sum of its entries, changed only in the same transaction as the
entry that explains the change, under the account's row lock (billing/locks.py). The database
refuses a negative balance, a negative hold or a hold larger than the balance, and refuses a
second entry with the same idempotency key. `manage.py checkledgers` re-adds the entries.
"""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Ledger(models.TextChoices):
    """The two ledgers; credits never move from one to the other."""

    API = "api", _("API credits")
    USER = "user", _("User credits")


# English names for API error sentences ("This job needs 20 API credits; ...").
LEDGER_ENGLISH = {Ledger.API: "API", Ledger.USER: "user"}


class CreditAccount(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="credit_accounts")
    ledger = models.CharField(max_length=8, choices=Ledger.choices)
    # Cached sums of the entries' balance_change / held_change (see module docstring).
    balance = models.BigIntegerField(default=0)
    held = models.BigIntegerField(default=0)
    # Set when a payment dispute took back credits that were already spent (the balance never
    # goes negative): a frozen account cannot submit jobs until support or a won dispute
    # clears it. Changed only under the account's row lock.
    frozen_at = models.DateTimeField(null=True, blank=True)
    frozen_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user_id", "ledger"]
        constraints = [
            models.UniqueConstraint(fields=["user", "ledger"],
                                    name="billing_account_one_per_ledger"),
            models.CheckConstraint(condition=Q(ledger__in=Ledger.values),
                                   name="billing_account_ledger_valid"),
            models.CheckConstraint(condition=Q(balance__gte=0),
                                   name="billing_account_balance_not_negative"),
            models.CheckConstraint(condition=Q(held__gte=0),
                                   name="billing_account_held_not_negative"),
            models.CheckConstraint(condition=Q(held__lte=F("balance")),
                                   name="billing_account_held_within_balance"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_ledger_display()}"

    @property
    def available(self) -> int:
        return self.balance - self.held

    @property
    def ledger_english(self) -> str:
        return LEDGER_ENGLISH[Ledger(self.ledger)]

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class EntryKind(models.TextChoices):
    GRANT = "grant", _("Grant")
    HOLD = "hold", _("Hold")
    CAPTURE = "capture", _("Capture")
    RELEASE = "release", _("Release")
    REFUND = "refund", _("Refund")
    ADJUSTMENT = "adjustment", _("Adjustment")


# What each kind may do to the cached columns; the database checks every row against this.
#   grant:      balance += amount                  (amount > 0)
#   hold:       held += amount                     (amount > 0)
#   capture:    balance -= amount, held -= hold    (0 <= amount <= the hold; the rest is freed)
#   release:    held -= amount                     (amount = the hold)
#   refund:     balance -= amount                  (amount >= 0: what could be taken back)
#   adjustment: balance += amount                  (amount != 0, either sign)
_KIND_RULES = (
    Q(kind=EntryKind.GRANT, amount__gt=0, balance_change=F("amount"), held_change=0)
    | Q(kind=EntryKind.HOLD, amount__gt=0, balance_change=0, held_change=F("amount"))
    | Q(kind=EntryKind.CAPTURE, amount__gte=0, balance_change=-F("amount"), held_change__lt=0,
        held_change__lte=-F("amount"))
    | Q(kind=EntryKind.RELEASE, amount__gt=0, balance_change=0, held_change=-F("amount"))
    | Q(kind=EntryKind.REFUND, amount__gte=0, balance_change=-F("amount"), held_change=0)
    | (Q(kind=EntryKind.ADJUSTMENT, balance_change=F("amount"), held_change=0) & ~Q(amount=0))
)


class LedgerEntry(models.Model):
    """One immutable line of an account's history (append-only; see the 0002 migration).

    `amount` is the number a person reads (credits granted, held, charged...); `balance_change`
    and `held_change` are its effect on the account, which `checkledgers` sums up.
    """

    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    # job:<id>:hold|capture|release, stripe-checkout:<session>, stripe-refund:...,
    # stripe-dispute:<dispute>[:won], adjustment:<id>
    idempotency_key = models.CharField(max_length=200, unique=True)
    amount = models.BigIntegerField()
    balance_change = models.BigIntegerField()
    held_change = models.BigIntegerField()
    reason = models.CharField(max_length=500)
    job_id = models.CharField(max_length=64, blank=True, db_index=True)
    staff_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")
    purchase = models.ForeignKey("Purchase", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="entries")
    stripe_event = models.ForeignKey("StripeEvent", on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="entries")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(condition=_KIND_RULES, name="billing_entry_changes_match_kind"),
            models.CheckConstraint(
                condition=~Q(kind=EntryKind.ADJUSTMENT) | Q(staff_user__isnull=False),
                name="billing_entry_adjustment_has_staff_user",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[EntryKind.HOLD, EntryKind.CAPTURE, EntryKind.RELEASE])
                | ~Q(job_id=""),
                name="billing_entry_hold_has_job",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="billing_entry_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.idempotency_key})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Ledger entries are append-only; post a new entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ledger entries are append-only; post a new entry instead.")

    @property
    def available_change(self) -> int:
        """What this entry did to the credits a customer can spend (balance - held)."""
        return self.balance_change - self.held_change


class CreditPack(models.Model):
    """What the billing page sells; edited by staff in the admin."""

    name = models.CharField(max_length=100)
    ledger = models.CharField(max_length=8, choices=Ledger.choices)
    credits = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    price_minor = models.PositiveIntegerField(
        "price (minor units)", validators=[MinValueValidator(1)],
        help_text=_("In the currency's smallest unit: 1000 = 10.00 USD."),
    )
    currency = models.CharField(
        max_length=3, default="usd",
        validators=[RegexValidator(r"^[a-z]{3}$", _("A lower-case ISO 4217 code, e.g. usd."))],
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ledger", "credits", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ledger__in=Ledger.values),
                                   name="billing_pack_ledger_valid"),
            models.CheckConstraint(condition=Q(credits__gt=0),
                                   name="billing_pack_credits_positive"),
            models.CheckConstraint(condition=Q(price_minor__gt=0),
                                   name="billing_pack_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_ledger_display()})"

    @property
    def price(self) -> str:
        """10.00 USD (two-decimal currencies; Stripe's zero-decimal ones are rare here)."""
        return f"{self.price_minor / 100:.2f} {self.currency.upper()}"


class StripeCustomer(models.Model):
    """One Stripe customer per user, reused for every checkout (accounts.User stays as it is)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="stripe_customer")
    customer_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.customer_id


class StripeEvent(models.Model):
    """Every verified webhook event, kept for support; the unique id makes retries no-ops."""

    class Status(models.TextChoices):
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")
        REJECTED = "rejected", _("Rejected (needs support)")

    stripe_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    livemode = models.BooleanField(default=False)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices)
    note = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_id}"


class Purchase(models.Model):
    """A paid Checkout Session: what was bought, and what a refund took back."""

    class Status(models.TextChoices):
        PAID = "paid", _("Paid")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
        REFUNDED = "refunded", _("Refunded")
        DISPUTED = "disputed", _("Disputed (credits taken back)")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="purchases")
    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="purchases")
    pack = models.ForeignKey(CreditPack, on_delete=models.PROTECT, related_name="purchases")
    credits = models.PositiveIntegerField()
    amount_total = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    checkout_session_id = models.CharField(max_length=255, unique=True)
    payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.PAID)
    # Credits a refund asked back (taken + shortfall), and the part already spent by then.
    # Changed only under the account's row lock, like the account itself.
    refunded_credits = models.PositiveIntegerField(default=0)
    refund_shortfall = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(credits__gt=0, amount_total__gt=0),
                                   name="billing_purchase_credits_and_amount_positive"),
            models.CheckConstraint(condition=Q(refunded_credits__lte=F("credits")),
                                   name="billing_purchase_refund_within_credits"),
            models.CheckConstraint(condition=Q(refund_shortfall__lte=F("refunded_credits")),
                                   name="billing_purchase_shortfall_within_refund"),
        ]

    def __str__(self) -> str:
        return f"{self.pack.name} · {self.user}"

    @property
    def price(self) -> str:
        return f"{self.amount_total / 100:.2f} {self.currency.upper()}"


class Dispute(models.Model):
    """A payment dispute (chargeback) of a purchase, as support sees it: what it took back and
    what it could not (already spent: the account was frozen for that)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open (credits taken back)")
        LOST = "lost", _("Lost")
        WON = "won", _("Won (credits given back)")

    stripe_id = models.CharField(max_length=255, unique=True)
    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="disputes")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    credits_taken = models.PositiveIntegerField(default=0)
    shortfall = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"Dispute {self.stripe_id} ({self.get_status_display()})"
