from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import F, OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.forms import ThrottledAdminLoginForm
from accounts.models import User
from billing.models import CreditAccount, Ledger
from billing.selectors import credit_balance_get
from generation.selectors import job_list_recent

SUPPORT_RECENT_JOBS = 10

# /admin/login/ counts failures with the site's login (accounts/throttling.py): the admin is the
# more valuable target, so it must not be the unthrottled door.
admin.site.login_form = ThrottledAdminLoginForm


class UserChangeFormByEmail(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class UserCreationFormByEmail(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


def _available_on(ledger: str) -> Subquery:
    accounts = CreditAccount.objects.filter(user=OuterRef("pk"), ledger=ledger)
    return Subquery(accounts.annotate(available=F("balance") - F("held")).values("available")[:1])


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeFormByEmail
    add_form = UserCreationFormByEmail
    ordering = ("-date_joined",)
    list_display = ("email", "name", "api_available", "user_available", "is_active", "is_staff",
                    "date_joined", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("email", "name")
    readonly_fields = ("balances", "jobs")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name",)}),
        (gettext_lazy("Credits and jobs"), {"fields": ("balances", "jobs")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups",
                                    "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            api_available_credits=_available_on(Ledger.API),
            user_available_credits=_available_on(Ledger.USER),
        )

    @admin.display(description=gettext_lazy("API credits"),
                   ordering="api_available_credits")
    def api_available(self, user: User) -> int:
        return getattr(user, "api_available_credits", None) or 0

    @admin.display(description=gettext_lazy("user credits"),
                   ordering="user_available_credits")
    def user_available(self, user: User) -> int:
        return getattr(user, "user_available_credits", None) or 0

    @admin.display(description=gettext_lazy("balances"))
    def balances(self, user: User) -> str:
        if user.pk is None:
            return "—"
        rows = []
        for ledger in Ledger:
            balance = credit_balance_get(user=user, ledger=ledger)
            rows.append((ledger.label, balance.available, balance.held, balance.balance))
        search = "?" + urlencode({"q": user.email})
        ledger_url = reverse("admin:billing_ledgerentry_changelist") + search
        accounts_url = reverse("admin:billing_creditaccount_changelist") + search
        return format_html(
            '<table class="balances"><tr><th></th><th>{}</th><th>{}</th><th>{}</th></tr>{}'
            '</table><p><a href="{}">{}</a> · <a href="{}">{}</a></p>',
            _("available"), _("held"), _("balance"),
            format_html_join("", "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
            ledger_url, _("Ledger entries"), accounts_url, _("Adjust credits"),
        )

    @admin.display(description=gettext_lazy("recent jobs"))
    def jobs(self, user: User) -> str:
        if user.pk is None:
            return "—"
        jobs = job_list_recent(owner=user, limit=SUPPORT_RECENT_JOBS)
        if not jobs:
            return _("No jobs yet.")
        rows = format_html_join(
            "", '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
                "<td>{}</td></tr>",
            ((reverse("admin:generation_job_change", args=[job.id]), str(job.id)[:8],
              job.created_at.strftime("%Y-%m-%d %H:%M"), job.model, job.status, job.ledger,
              job.credits if job.credits is not None else "—") for job in jobs))
        all_url = reverse("admin:generation_job_changelist")
        all_url += "?" + urlencode({"q": user.email})
        return format_html('<table class="recent-jobs">{}</table><p><a href="{}">{}</a></p>',
                           rows, all_url, _("All jobs of this user"))
