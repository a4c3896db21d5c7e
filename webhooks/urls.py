from django.urls import path

from webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("test/", views.test_event_send, name="test"),
    path("secret/rotate/", views.secret_rotate, name="rotate"),
    path("jobs/<uuid:job_id>/", views.job_deliveries, name="job"),
    path("deliveries/<uuid:delivery_id>/redeliver/", views.delivery_redeliver_view,
         name="redeliver"),
]
