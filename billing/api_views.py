from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.models import Ledger
from billing.selectors import credit_balance_get, ledger_for_request


class BalanceView(APIView):
    """GET /api/v1/balance: the balance of the ledger this request spends."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        ledger = serializers.ChoiceField(
            choices=Ledger.values,
            help_text="`api` with an API key; `user` for a logged-in browser session.",
        )
        balance = serializers.IntegerField(help_text="Credits owned, held ones included.")
        held = serializers.IntegerField(help_text="Credits reserved by jobs still running.")
        available = serializers.IntegerField(help_text="balance - held: what new jobs can use.")

        class Meta:
            ref_name = "Balance"  # the schema component's name (not the generic "Output")

    @extend_schema(
        operation_id="balance_retrieve",
        summary="Your credit balance",
        responses={
            200: OutputSerializer,
            401: OpenApiResponse(description="Missing, malformed, unknown or revoked API key."),
            429: OpenApiResponse(description="Too many requests."),
        },
    )
    def get(self, request):
        ledger = ledger_for_request(request)
        balance = credit_balance_get(user=request.user, ledger=ledger)
        return Response(self.OutputSerializer({
            "ledger": ledger.value,
            "balance": balance.balance,
            "held": balance.held,
            "available": balance.available,
        }).data)
