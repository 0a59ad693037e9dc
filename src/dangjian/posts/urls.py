from django.urls import path

from dangjian.posts import views

urlpatterns = [
    path("", views.index, name="posts-index"),
    path("orgs/<int:pk>/", views.org_posts, name="posts-org"),
    path("orgs/<int:pk>/groups/", views.group_assign, name="posts-group-assign"),
    path("orgs/<int:pk>/declare/", views.declare, name="posts-declare"),
    path("orgs/<int:pk>/notice/", views.notice, name="posts-notice"),
    path("orgs/<int:pk>/badges/", views.badges, name="posts-badges"),
    path("orgs/<int:pk>/catalogue/", views.catalogue, name="posts-catalogue"),
    path("catalogue/<int:pk>/edit/", views.post_edit, name="posts-post-edit"),
    path("assignments/<int:pk>/", views.assignment_detail, name="posts-assignment"),
    path("assignments/<int:pk>/<slug:step>/", views.assignment_step, name="posts-assignment-step"),
    path("memberships/<int:pk>/end/", views.membership_end, name="posts-membership-end"),
]
