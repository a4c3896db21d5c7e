from django.urls import path

from generation import api_upload_views, api_views

urlpatterns = [
    path("lipsync-video", api_views.LipsyncVideoView.as_view(), name="api-lipsync-video"),
    path("lipsync-image", api_views.LipsyncImageView.as_view(), name="api-lipsync-image"),
    path("lipsync-image-multi", api_views.LipsyncImageMultiView.as_view(),
         name="api-lipsync-image-multi"),
    path("estimate", api_views.EstimateView.as_view(), name="api-estimate"),
    path("usage", api_views.UsageView.as_view(), name="api-usage"),
    path("jobs", api_views.JobListView.as_view(), name="api-job-list"),
    path("jobs/<uuid:job_id>", api_views.JobDetailView.as_view(), name="api-job-detail"),
    path("jobs/<uuid:job_id>/cancel", api_views.JobCancelView.as_view(), name="api-job-cancel"),
    path("uploads", api_upload_views.UploadCreateView.as_view(), name="api-upload-create"),
    path("uploads/<uuid:upload_id>", api_upload_views.UploadDetailView.as_view(),
         name="api-upload-detail"),
]
