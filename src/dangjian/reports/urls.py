from django.urls import path

from dangjian.reports import summary_views

# The pages join as they are built (issue 16).

urlpatterns: list = []

urlpatterns += [
    path("summary/", summary_views.summary, name="reports-summary"),
    path("summary/template/", summary_views.template_edit, name="reports-summary-template"),
]
