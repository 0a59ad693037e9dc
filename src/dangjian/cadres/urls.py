from django.urls import path

from dangjian.cadres import views

urlpatterns = [
    path("", views.figures, name="reserve-figures"),
    path("list/", views.cadre_list, name="reserve-list"),
    path("new/", views.cadre_create, name="reserve-create"),
    path("<int:pk>/", views.cadre_detail, name="reserve-detail"),
    path("<int:pk>/edit/", views.cadre_edit, name="reserve-edit"),
    path("<int:pk>/reveal-id/", views.cadre_reveal_id, name="reserve-reveal-id"),
    path("<int:pk>/<slug:step>/", views.cadre_step, name="reserve-step"),
]
