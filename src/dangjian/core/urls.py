from django.contrib.auth import views as auth_views
from django.urls import path

from dangjian.accounts.views import LoginView
from dangjian.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", LoginView.as_view(), name="login"),  # Django's, and a locked account is told so
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", views.audit_log, name="audit-log"),
    path("rules/", views.parameter_list, name="parameters"),
]
