from django.urls import path

from dangjian.dashboard import charts_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", charts_views.dashboard, name="dashboard-charts"),
    path("dashboard/wall/", charts_views.wall, name="dashboard-wall"),
]
