from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from webhooks.forms import TestEventForm
from webhooks.selectors import delivery_get_owned, delivery_list_for_job, delivery_list_recent
from webhooks.services import (
    DeliveryNotFinished,
    delivery_create_test,
    delivery_redeliver,
    signing_secret_get_or_create,
    signing_secret_rotate,
)


def _overview(request, form: TestEventForm, status: int = 200):
    context = {
        "secret": signing_secret_get_or_create(owner=request.user),
        "deliveries": delivery_list_recent(owner=request.user),
        "form": form,
    }
    return render(request, "webhooks/overview.html", context, status=status)


@never_cache  # the page shows the signing secret
@login_required
@require_http_methods(["GET"])
def overview(request):
    return _overview(request, TestEventForm())


@login_required
@require_POST
def test_event_send(request):
    form = TestEventForm(request.POST)
    if not form.is_valid():
        return _overview(request, form, status=400)
    delivery_create_test(owner=request.user, url=form.cleaned_data["url"])
    messages.success(request, _("A test event is on its way; its attempts appear below."))
    return redirect("webhooks:overview")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def secret_rotate(request):
    if request.method == "POST":
        signing_secret_rotate(owner=request.user)
        messages.success(request, _("Your signing secret was replaced. Update your receivers: "
                                    "the old secret no longer verifies new webhooks."))
        return redirect("webhooks:overview")
    return render(request, "webhooks/secret_rotate.html")


@login_required
@require_http_methods(["GET"])
def job_deliveries(request, job_id):
    job, deliveries = delivery_list_for_job(owner=request.user, job_id=job_id)
    return render(request, "webhooks/job_deliveries.html", {"job": job, "deliveries": deliveries})


@login_required
@require_POST
def delivery_redeliver_view(request, delivery_id):
    delivery = delivery_get_owned(owner=request.user, delivery_id=delivery_id)
    try:
        delivery_redeliver(delivery=delivery)
        messages.success(request, _("Redelivery queued; it appears at the top of the list."))
    except DeliveryNotFinished:
        messages.warning(request, _("This delivery is still being retried; redeliver it once it "
                                    "has succeeded or failed."))
    if delivery.job_id:
        return redirect("webhooks:job", job_id=delivery.job_id)
    return redirect("webhooks:overview")
