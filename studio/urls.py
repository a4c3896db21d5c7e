from django.urls import path

from studio import views

app_name = "studio"
urlpatterns = [
    path("studio/", views.studio, name="studio"),
    path("studio/jobs/", views.studio_history, name="history"),
    path("studio/jobs/<uuid:job_id>/", views.studio_job, name="job"),
    path("studio/jobs/<uuid:job_id>/failure/", views.studio_job_failure, name="job_failure"),
    path("studio/jobs/<uuid:job_id>/delete-output/", views.studio_output_delete,
         name="output_delete"),
]
