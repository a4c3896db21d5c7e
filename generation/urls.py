from django.urls import path

from generation import views

app_name = "generation"
urlpatterns = [
    path("docs/", views.api_guide, name="docs"),
    path("outputs/<uuid:job_id>.mp4", views.output, name="output"),
]
