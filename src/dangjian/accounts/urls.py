from django.contrib.auth import views as auth_views
from django.urls import path

from dangjian.accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),  # Django's, and a locked account is told so
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", views.account, name="account"),
    path("account/password/", views.password_change, name="account-password"),
    path("account/otp/", views.otp_verify, name="account-otp-verify"),
    path("account/otp/enrol/", views.otp_enrol, name="account-otp-enrol"),
    path("account/otp/remove/", views.otp_remove, name="account-otp-remove"),
    path("login/activate/", views.activate, name="account-activate"),  # no login: the person has no password yet
    path("account/tokens/", views.token_list, name="account-tokens"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="account-token-revoke"),
    # 三员分立: the system administrator's and the security administrator's pages.
    path("system/users/", views.user_list, name="user-list"),
    path("system/users/new/", views.user_create, name="user-create"),
    path("system/users/<int:pk>/", views.user_edit, name="user-edit"),
    path("system/users/<int:pk>/deactivate/", views.user_deactivate, name="user-deactivate"),
    path("system/users/<int:pk>/activate/", views.user_activate, name="user-activate"),
    path("system/users/<int:pk>/reset-password/", views.user_reset_password, name="user-reset-password"),
    path("security/roles/", views.role_list, name="role-list"),
    path("security/roles/<int:pk>/revoke/", views.role_revoke, name="role-revoke"),
    path("security/activations/", views.activation_list, name="activation-list"),
    path("security/activations/<int:pk>/release/", views.activation_release, name="activation-release"),
    path("security/lockouts/", views.lockout_list, name="lockout-list"),
    path("security/lockouts/clear/", views.lockout_clear, name="lockout-clear"),
]
