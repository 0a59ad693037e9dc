from django.urls import path

from dangjian.members import views

urlpatterns = [
    path("", views.member_list, name="member-list"),
    path("new/", views.member_create, name="member-create"),
    path("me/", views.member_me, name="member-me"),
    path("<int:pk>/", views.member_detail, name="member-detail"),
    path("<int:pk>/edit/", views.member_edit, name="member-edit"),
    path("<int:pk>/reveal-id/", views.member_reveal_id, name="member-reveal-id"),
]
