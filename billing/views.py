import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from billing import pricing, selectors, services, stripe_events, stripe_gateway
from billing.errors import CheckoutError, PaymentsNotConfiguredError
from billing.models import Ledger

logger = logging.getLogger(__name__)

HISTORY_PAGE_SIZE = 25
PURCHASES_PAGE_SIZE = 10


@login_required
@require_GET
def overview(request):
    ledger_filter = request.GET.get("ledger") if request.GET.get("ledger") in Ledger.values else ""
    history = Paginator(
        selectors.ledger_entries_of_user(user=request.user, ledger=ledger_filter or None),
        HISTORY_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    purchases = Paginator(selectors.purchases_of_user(user=request.user), PURCHASES_PAGE_SIZE
                          ).get_page(request.GET.get("purchases_page"))
    packs = selectors.credit_packs_by_ledger()
    ledgers = [
        {
            "value": ledger.value,
            "label": ledger.label,
            "balance": selectors.credit_balance_get(user=request.user, ledger=ledger),
            "packs": packs[ledger.value],
        }
        for ledger in Ledger
    ]
    return render(request, "billing/overview.html", {
        "ledgers": ledgers,
        "ledger_choices": Ledger.choices,
        "ledger_filter": ledger_filter,
        "history": history,
        "purchases": purchases,
        "payments_configured": stripe_gateway.payments_configured(),
        "pricing": _pricing_summary(),
    })


def _pricing_summary() -> dict:
    return {
        "per_second_480p": pricing.credits_per_second(resolution="480p"),
        "per_second_720p": pricing.credits_per_second(resolution="720p"),
        "min_seconds": settings.LIPSYNC_MIN_BILLED_SECONDS,
        "max_seconds": settings.LIPSYNC_MAX_JOB_SECONDS,
    }


@login_required
@require_POST
def buy(request, pack_id: int):
    pack = selectors.credit_pack_for_sale(pack_id=pack_id)
    if pack is None:
        raise Http404("No such credit pack for sale.")
    try:
        url = services.checkout_session_create(user=request.user, pack=pack,
                                               site_url=settings.SITE_URL)
    except PaymentsNotConfiguredError:
        messages.error(request, _("Payments are not configured on this site yet, so credits "
                                  "cannot be bought. Please contact the operator."))
        return redirect("billing:overview")
    except CheckoutError:
        messages.error(request, _("The payment could not be started; nothing was charged. "
                                  "Please try again in a moment."))
        return redirect("billing:overview")
    # 303: the browser follows with a GET to Stripe's payment page.
    return HttpResponseRedirect(url, status=303)


@login_required
@require_GET
def checkout_success(request):
    session_id = request.GET.get("session_id", "")
    purchase = (selectors.purchase_of_user_by_session(user=request.user,
                                                      checkout_session_id=session_id)
                if session_id else None)
    return render(request, "billing/checkout_success.html", {"purchase": purchase})


@login_required
@require_GET
def checkout_cancel(request):
    return render(request, "billing/checkout_cancel.html")


@csrf_exempt  # Stripe cannot send a CSRF token; the signature authenticates the request.
@require_POST
def stripe_webhook(request):
    try:
        event = stripe_gateway.webhook_event_verify(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except stripe_gateway.WebhookRejected as exc:
        logger.warning("Stripe webhook refused: %s", exc)
        return HttpResponseBadRequest(str(exc), content_type="text/plain")
    record, handled_now = stripe_events.stripe_event_handle(event=event)
    return JsonResponse({"received": True, "status": record.status, "duplicate": not handled_now})
