from django.urls import path

from billing.api_views import BalanceView

urlpatterns = [
    path("balance", BalanceView.as_view(), name="api-balance"),
]
