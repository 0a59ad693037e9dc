from django.urls import path

from dangjian.accounts import views

urlpatterns = [
    path("", views.account, name="account"),
    path("password/", views.password_change, name="account-password"),
    path("otp/", views.otp_verify, name="account-otp-verify"),
    path("otp/enrol/", views.otp_enrol, name="account-otp-enrol"),
    path("otp/remove/", views.otp_remove, name="account-otp-remove"),
]
