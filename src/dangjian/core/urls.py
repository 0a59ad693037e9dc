from django.urls import include, path

from dangjian.core import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit-log"),
    path("audit/export/", views.audit_export, name="audit-export"),
    path("rules/", views.parameter_list, name="parameters"),
    path("jobs/", include("dangjian.core.job_urls")),
]
