from django.urls import path

from generation import views

app_name = "generation"
urlpatterns = [
    path("studio/", views.studio, name="studio"),
    path("studio/jobs/", views.studio_history, name="history"),
    path("studio/jobs/<uuid:job_id>/", views.studio_job, name="job"),
    path("studio/jobs/<uuid:job_id>/delete-output/", views.studio_output_delete,
         name="output_delete"),
    path("docs/", views.api_guide, name="docs"),
    path("outputs/<uuid:job_id>.mp4", views.output, name="output"),
]
