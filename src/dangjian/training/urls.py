from django.urls import path

from dangjian.training import views

urlpatterns = [
    path("", views.index, name="training-index"),
    path("figures/", views.figures, name="training-figures"),
    path("figures/sessions/", views.figure_sessions, name="training-figure-sessions"),
    path("figures/attendance/", views.figure_attendance, name="training-figure-attendance"),
    path("figures/persons/", views.figure_persons, name="training-figure-persons"),
    path("programmes/", views.programme_list, name="training-programmes"),
    path("programmes/new/", views.programme_create, name="training-programme-create"),
    path("programmes/<int:pk>/", views.programme_detail, name="training-programme"),
    path("programmes/<int:pk>/edit/", views.programme_edit, name="training-programme-edit"),
    path("programmes/<int:pk>/delete/", views.programme_delete, name="training-programme-delete"),
    path("programmes/<int:pk>/sessions/new/", views.session_create, name="training-session-create"),
    path("sessions/<int:pk>/", views.session_detail, name="training-session"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="training-session-edit"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="training-session-cancel"),
    path("sessions/<int:pk>/delete/", views.session_delete, name="training-session-delete"),
    path("me/", views.me, name="training-me"),
]
