"""Support's view of jobs and uploads: filters, and cancel / retry / refund with a reason."""

from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.errors import LedgerError
from billing.models import LedgerEntry
from billing.refunds import credit_job_refund, job_ids_refunded, job_refund_get
from generation import services
from generation.errors import NotEnoughCredits
from generation.models import Job, Status, Upload
from support.admin_actions import with_reason
from support.models import StaffActionKind
from support.selectors import staff_actions_of
from support.services import staff_action_record

JOB_FIELDS = (
    "id", "owner", "ledger", "api_key", "model", "status", "refund", "progress", "error",
    "credits", "billed_seconds_rounded", "output", "output_duration_rounded",
    "output_expires_at", "form_state", "webhook", "warnings", "timings", "execution_ms",
    "attempts", "created_at", "started_at", "completed_at", "cancel_requested_at",
    "heartbeat_at",
)


class ReadOnlyPagesMixin:
    """Every field is read-only: the page is titled "View …" and has no Save button. Changes go
    through the actions, which ask for a reason (they check their own permission)."""

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Job)
class JobAdmin(ReadOnlyPagesMixin, admin.ModelAdmin):
    # Fits 1280 px beside the filters (without the app sidebar): progress folds into the status,
    # a long e-mail wraps, the API key and timings are on the job's page.
    list_display = ("short_id", "created", "owner_email", "model", "status_marked", "ledger",
                    "credits")
    list_filter = ("status", "model", "ledger", ("created_at", admin.DateFieldListFilter))
    date_hierarchy = "created_at"
    # "^id": the short id shown in the list (or any start of the full id) finds the job.
    search_fields = ("^id", "owner__email")
    list_select_related = ("owner",)
    readonly_fields = (*JOB_FIELDS, "ledger_entries", "staff_actions")
    fields = readonly_fields
    actions = ["cancel_jobs", "retry_jobs", "refund_jobs"]

    def has_add_permission(self, request) -> bool:
        return False  # jobs come from the API and the studio

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a job's ledger entries point at it; delete its output instead

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}),
                                                 "is_nav_sidebar_enabled": False})

    def get_changelist_instance(self, request):
        """Marks the page's refunded jobs with one query; the template reuses the page's rows."""
        changelist = super().get_changelist_instance(request)
        jobs = list(changelist.result_list)
        refunded = job_ids_refunded(job_ids=[job.id for job in jobs])
        for job in jobs:
            job.was_refunded = str(job.id) in refunded
        return changelist

    @admin.display(description=gettext_lazy("job"))
    def short_id(self, job: Job) -> str:
        return str(job.id)[:8]

    @admin.display(description=gettext_lazy("created"), ordering="created_at")
    def created(self, job: Job) -> str:
        return timezone.localtime(job.created_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=gettext_lazy("owner"), ordering="owner__email")
    def owner_email(self, job: Job) -> str:
        return format_html('<span style="white-space:normal;overflow-wrap:anywhere">{}</span>',
                           job.owner.email)

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_marked(self, job: Job) -> str:
        if not job.is_finished:
            return f"{job.get_status_display()} · {round(job.progress * 100)}%"
        if getattr(job, "was_refunded", False):
            return format_html('{} · <strong class="refunded">{}</strong>',
                               job.get_status_display(), _("refunded"))
        return job.get_status_display()

    @admin.display(description=gettext_lazy("refund"))
    def refund(self, job: Job) -> str:
        entry = job_refund_get(job_id=job.id)
        if entry is None:
            return "—"
        return _("Refunded %(credits)d credits on %(date)s") % {
            "credits": entry.amount, "date": entry.created_at.strftime("%Y-%m-%d %H:%M")}

    @admin.display(description=gettext_lazy("billed seconds"))
    def billed_seconds_rounded(self, job: Job) -> str:
        return "—" if job.billed_seconds is None else f"{job.billed_seconds:.2f} s"

    @admin.display(description=gettext_lazy("output duration"))
    def output_duration_rounded(self, job: Job) -> str:
        return "—" if job.output_duration is None else f"{job.output_duration:.2f} s"

    @admin.display(description=gettext_lazy("ledger entries"))
    def ledger_entries(self, job: Job) -> str:
        entries = LedgerEntry.objects.filter(job_id=str(job.id)).order_by("created_at", "id")
        if not entries:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li>{} · {} · {} · {}</li>",
            ((entry.created_at.strftime("%Y-%m-%d %H:%M:%S"), entry.get_kind_display(),
              entry.amount, entry.reason) for entry in entries)))

    @admin.display(description=gettext_lazy("staff actions"))
    def staff_actions(self, job: Job) -> str:
        actions = staff_actions_of(target=job)
        if not actions:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li>{} · {} · {} · {}</li>",
            ((action.created_at.strftime("%Y-%m-%d %H:%M:%S"), action.staff_user,
              action.get_action_display(), action.reason) for action in actions)))

    # --- actions (each asks for a reason first; see support.admin_actions) -------------------

    @with_reason(name="cancel_jobs", description=gettext_lazy("Cancel selected jobs"),
                 question=gettext_lazy("Cancel these jobs? Their held credits go back to the "
                                       "customer; a running job stops at its next step."),
                 button=gettext_lazy("Cancel the jobs"), permission="generation.change_job")
    def cancel_jobs(self, request, queryset, reason):
        done = 0
        for job in queryset:
            if job.is_finished:
                self.message_user(request, _("%(job)s had already finished; skipped.")
                                  % {"job": job}, messages.WARNING)
                continue
            with transaction.atomic():
                status_before = job.status
                services.job_cancel(job=job)
                staff_action_record(staff_user=request.user, action=StaffActionKind.JOB_CANCEL,
                                    target=job, reason=reason,
                                    details={"status_before": status_before})
            done += 1
        if done:
            self.message_user(request, _("Cancelled %(count)d job(s).") % {"count": done},
                              messages.SUCCESS)

    @with_reason(name="retry_jobs", description=gettext_lazy("Retry selected failed jobs"),
                 question=gettext_lazy("Run these failed jobs again? Each becomes a NEW job with "
                                       "the same inputs, owner, credits ledger and webhook; it is "
                                       "charged like any job if it succeeds."),
                 button=gettext_lazy("Retry the jobs"), permission="generation.change_job")
    def retry_jobs(self, request, queryset, reason):
        for job in queryset:
            if job.status != Status.FAILED:
                self.message_user(request, _("%(job)s did not fail; only failed jobs can be "
                                             "retried.") % {"job": job}, messages.WARNING)
                continue
            try:
                with transaction.atomic():
                    new_job = services.job_retry(job=job)
                    staff_action_record(staff_user=request.user,
                                        action=StaffActionKind.JOB_RETRY, target=job,
                                        reason=reason, details={"new_job": str(new_job.id)})
            except NotEnoughCredits as exc:
                self.message_user(request, _("%(job)s was not retried: %(error)s")
                                  % {"job": job, "error": exc}, messages.ERROR)
                continue
            url = reverse("admin:generation_job_change", args=[new_job.id])
            self.message_user(request, format_html(
                _("{job} was queued again as {new_job}."), job=job,
                new_job=format_html('<a href="{}">{}</a>', url, new_job.id)), messages.SUCCESS)

    @with_reason(name="refund_jobs", description=gettext_lazy("Refund selected completed jobs"),
                 question=gettext_lazy("Give the credits charged for these jobs back to their "
                                       "owners? A job is refunded at most once."),
                 button=gettext_lazy("Refund the jobs"), permission="billing.change_creditaccount")
    def refund_jobs(self, request, queryset, reason):
        for job in queryset:
            if job.status != Status.COMPLETED:
                self.message_user(request, _("%(job)s did not complete; it was not charged.")
                                  % {"job": job}, messages.WARNING)
                continue
            try:
                with transaction.atomic():
                    entry, created = credit_job_refund(job_id=job.id, staff_user=request.user,
                                                       reason=reason)
                    if created:
                        staff_action_record(staff_user=request.user,
                                            action=StaffActionKind.JOB_REFUND, target=job,
                                            reason=reason, details={"credits": entry.amount,
                                                                    "ledger_entry": entry.pk})
            except LedgerError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            if created:
                self.message_user(request, _("Refunded %(credits)d credits for %(job)s.")
                                  % {"credits": entry.amount, "job": job}, messages.SUCCESS)
            else:
                self.message_user(request, _("%(job)s was already refunded; nothing changed.")
                                  % {"job": job}, messages.WARNING)


@admin.register(Upload)
class UploadAdmin(ReadOnlyPagesMixin, admin.ModelAdmin):
    list_display = ("created_at", "owner", "kind", "original_name", "size")
    list_filter = ("kind", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=id", "owner__email", "original_name")
    list_select_related = ("owner",)
    fields = ("id", "owner", "kind", "file", "original_name", "size", "info", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False
