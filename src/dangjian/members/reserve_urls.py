from django.urls import path

from dangjian.members import reserve_views

urlpatterns = [
    path("", reserve_views.figures, name="reserve-figures"),
    path("list/", reserve_views.cadre_list, name="reserve-list"),
    path("new/", reserve_views.cadre_create, name="reserve-create"),
    path("<int:pk>/", reserve_views.cadre_detail, name="reserve-detail"),
    path("<int:pk>/edit/", reserve_views.cadre_edit, name="reserve-edit"),
    path("<int:pk>/reveal-id/", reserve_views.cadre_reveal_id, name="reserve-reveal-id"),
    path("<int:pk>/<slug:step>/", reserve_views.cadre_step, name="reserve-step"),
]
