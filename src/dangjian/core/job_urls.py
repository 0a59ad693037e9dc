from django.urls import path

from dangjian.core import job_views

urlpatterns = [
    path("", job_views.job_list, name="job-list"),
    path("<int:job_id>/", job_views.job_detail, name="job-detail"),
    path("<int:job_id>/status/", job_views.job_status, name="job-status"),
    path("<int:job_id>/download/", job_views.job_download, name="job-download"),
]
