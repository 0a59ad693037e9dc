from django.urls import path

from dangjian.members import post_views

urlpatterns = [
    path("", post_views.index, name="posts-index"),
    path("orgs/<int:pk>/", post_views.org_posts, name="posts-org"),
    path("orgs/<int:pk>/groups/", post_views.group_assign, name="posts-group-assign"),
    path("orgs/<int:pk>/declare/", post_views.declare, name="posts-declare"),
    path("orgs/<int:pk>/notice/", post_views.notice, name="posts-notice"),
    path("orgs/<int:pk>/badges/", post_views.badges, name="posts-badges"),
    path("orgs/<int:pk>/catalogue/", post_views.catalogue, name="posts-catalogue"),
    path("catalogue/<int:pk>/edit/", post_views.post_edit, name="posts-post-edit"),
    path("assignments/<int:pk>/", post_views.assignment_detail, name="posts-assignment"),
    path("assignments/<int:pk>/<slug:step>/", post_views.assignment_step, name="posts-assignment-step"),
    path("memberships/<int:pk>/end/", post_views.membership_end, name="posts-membership-end"),
]
