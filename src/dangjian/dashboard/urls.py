from django.urls import path

from dangjian.dashboard import views

urlpatterns = [
    path("", views.home, name="home"),
]
