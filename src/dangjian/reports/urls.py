from django.urls import path

from dangjian.reports import summary_views, table_views

# The pages join as they are built (issue 16).

urlpatterns: list = [
    path("tables/", table_views.table_list, name="report-tables"),
    path("tables/<slug:slug>/", table_views.table_detail, name="report-table"),
    path("tables/<slug:slug>.xlsx", table_views.table_xlsx, name="report-table-xlsx"),
    path("summary/", summary_views.summary, name="reports-summary"),
    path("summary/template/", summary_views.template_edit, name="reports-summary-template"),
]
