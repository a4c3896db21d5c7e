import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.errors import LedgerError
from billing.forms import AdjustCreditsForm
from billing.models import (
    CreditAccount,
    CreditPack,
    Dispute,
    LedgerEntry,
    Purchase,
    StripeCustomer,
    StripeEvent,
)
from billing.services import credits_adjust


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that only the services write: staff can look, never add, edit or delete."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CreditAccount)
class CreditAccountAdmin(ReadOnlyAdmin):
    list_display = ("user", "ledger", "balance", "held", "available", "frozen_at",
                    "adjust_link")
    list_filter = ("ledger", ("frozen_at", admin.EmptyFieldListFilter))
    search_fields = ("user__email",)
    list_select_related = ("user",)
    fields = ("user", "ledger", "balance", "held", "available", "frozen_at", "frozen_reason",
              "created_at", "updated_at", "adjust_link")
    readonly_fields = fields
    actions = ["adjust_credits"]

    def get_urls(self):
        adjust = path("<path:object_id>/adjust/", self.admin_site.admin_view(self.adjust_view),
                      name="billing_creditaccount_adjust")
        return [adjust, *super().get_urls()]

    @admin.display(description=gettext_lazy("adjust"))
    def adjust_link(self, account: CreditAccount) -> str:
        url = reverse("admin:billing_creditaccount_adjust", args=[account.pk])
        return format_html('<a href="{}">{}</a>', url, _("Adjust credits"))

    @admin.action(description=gettext_lazy("Adjust credits of the selected account"))
    def adjust_credits(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one account to adjust."),
                              messages.WARNING)
            return None
        return redirect("admin:billing_creditaccount_adjust", queryset.get().pk)

    def adjust_view(self, request, object_id):
        if not request.user.has_perm("billing.change_creditaccount"):
            raise PermissionDenied
        account = self.get_object(request, object_id)
        if account is None:
            raise Http404("No such credit account.")
        form = AdjustCreditsForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                credits_adjust(
                    account=account, amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"], staff_user=request.user,
                    idempotency_key=f"adjustment:{form.cleaned_data['adjustment_id']}",
                )
            except LedgerError as exc:
                form.add_error(None, str(exc))
            else:
                account.refresh_from_db()
                self.message_user(request, _("Adjusted. %(account)s now has %(available)s "
                                             "credits available.")
                                  % {"account": account, "available": account.available},
                                  messages.SUCCESS)
                return redirect("admin:billing_creditaccount_change", account.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": account,
            "account": account,
            "form": form,
            "title": _("Adjust credits"),
        }
        return TemplateResponse(request, "billing/admin/adjust_credits.html", context)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "account", "kind", "amount", "balance_change", "held_change",
                    "reason", "staff_user")
    list_filter = ("kind", "account__ledger")
    search_fields = ("account__user__email", "idempotency_key", "job_id")
    list_select_related = ("account__user", "staff_user")
    readonly_fields = ("account", "kind", "amount", "balance_change", "held_change",
                       "idempotency_key", "reason", "job_id", "staff_user", "purchase",
                       "stripe_event", "created_at")
    fields = readonly_fields


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "type", "stripe_id", "status", "livemode", "note")
    list_filter = ("status", "type", "livemode")
    search_fields = ("stripe_id", "note")
    readonly_fields = ("stripe_id", "type", "livemode", "status", "note", "received_at",
                       "payload_pretty")
    fields = readonly_fields

    @admin.display(description=gettext_lazy("payload"))
    def payload_pretty(self, event: StripeEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(event.payload, indent=2, sort_keys=True))


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "pack", "credits", "price", "status",
                    "refunded_credits", "refund_shortfall")
    list_filter = ("status", "account__ledger")
    search_fields = ("user__email", "checkout_session_id", "payment_intent_id")
    list_select_related = ("user", "pack")
    readonly_fields = ("user", "account", "pack", "credits", "amount_total", "currency",
                       "checkout_session_id", "payment_intent_id", "status", "refunded_credits",
                       "refund_shortfall", "created_at")
    fields = readonly_fields


@admin.register(StripeCustomer)
class StripeCustomerAdmin(ReadOnlyAdmin):
    list_display = ("user", "customer_id", "created_at")
    search_fields = ("user__email", "customer_id")
    readonly_fields = ("user", "customer_id", "created_at")


@admin.register(CreditPack)
class CreditPackAdmin(admin.ModelAdmin):
    list_display = ("name", "ledger", "credits", "price_minor", "currency", "active")
    list_filter = ("ledger", "active")
    list_editable = ("active",)
    fields = ("name", "ledger", "credits", "price_minor", "currency", "active")

    def has_delete_permission(self, request, obj=None) -> bool:
        # Purchases point at their pack; retire a pack by unticking "active" instead.
        return False


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ("opened_at", "stripe_id", "purchase", "status", "credits_taken", "shortfall",
                    "closed_at")
    list_filter = ("status",)
    search_fields = ("stripe_id", "purchase__user__email", "purchase__payment_intent_id")
    list_select_related = ("purchase__user", "purchase__pack")
    readonly_fields = ("stripe_id", "purchase", "status", "credits_taken", "shortfall",
                       "opened_at", "closed_at")
    fields = readonly_fields
