from django.urls import path

from dangjian.organizations import views

urlpatterns = [
    path("", views.tree_view, name="org-tree"),
    path("search/", views.org_search, name="org-search"),
    path("warnings/", views.warnings_list, name="org-warnings"),
    path("<int:pk>/", views.detail, name="org-detail"),
    path("<int:pk>/children/", views.children, name="org-children"),
    path("<int:pk>/edit/", views.edit, name="org-edit"),
    path("<int:pk>/new-child/", views.create_child, name="org-create-child"),
    path("<int:pk>/move/", views.move, name="org-move"),
    path("<int:pk>/dissolve/", views.dissolve, name="org-dissolve"),
    path("<int:pk>/committee/", views.committee, name="org-committee"),
    path("committee-seats/<int:pk>/end/", views.committee_end, name="org-committee-end"),
]
