"""Admin actions that change money or jobs ask "why?" on an intermediate page first.

`with_reason(...)` turns a function `perform(request, queryset, reason)` into an admin action:
the first click shows the selected objects and a reason field; the confirmation posts back to
the changelist with `apply`, and only a valid reason runs `perform`. Nothing changes without
a reason, and each change records a StaffAction (support.services.staff_action_record).
"""

from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from support.forms import StaffReasonForm

CONFIRM_TEMPLATE = "support/admin/confirm_with_reason.html"


def with_reason(*, name: str, description, question, button, permission: str):
    """Decorator: an admin action named `name` that asks for a reason before `perform`."""

    def decorate(perform):
        @admin.action(description=description)
        def action(modeladmin, request, queryset):
            if not request.user.has_perm(permission):
                raise PermissionDenied
            confirmed = "apply" in request.POST
            form = StaffReasonForm(request.POST if confirmed else None)
            if confirmed and form.is_valid():
                perform(modeladmin, request, queryset, form.cleaned_data["reason"])
                return None  # back to the changelist, with the messages perform() left
            context = {
                **modeladmin.admin_site.each_context(request),
                "title": description,
                "question": question,
                "button": button,
                "opts": modeladmin.model._meta,
                "queryset": queryset,
                "action_name": name,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "form": form,
                "media": modeladmin.media,
            }
            return TemplateResponse(request, CONFIRM_TEMPLATE, context)

        action.__name__ = name
        return action

    return decorate
