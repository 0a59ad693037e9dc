from django.urls import path

from dangjian.rectification import views

urlpatterns = [
    path("", views.figures, name="rectification-figures"),
    path("screenings/", views.screening_list, name="rectification-screenings"),
    path("screenings/new/", views.screening_create, name="rectification-screening-create"),
    path("screenings/<int:pk>/", views.screening_detail, name="rectification-screening"),
    path("screenings/<int:pk>/mark/", views.mark_create, name="rectification-mark-create"),
    path("marks/<int:pk>/edit/", views.mark_edit, name="rectification-mark-edit"),
    path("marks/<int:pk>/delete/", views.mark_delete, name="rectification-mark-delete"),
    path("marks/<int:pk>/open/", views.case_open, name="rectification-case-open"),
    path("cases/", views.case_list, name="rectification-cases"),
    path("cases/<int:pk>/", views.case_detail, name="rectification-case"),
    path("cases/<int:pk>/edit/", views.case_edit, name="rectification-case-edit"),
    path("cases/<int:pk>/start/", views.case_start, name="rectification-case-start"),
    path("cases/<int:pk>/accept/", views.case_accept, name="rectification-case-accept"),
    path("cases/<int:pk>/close/", views.case_close, name="rectification-case-close"),
    path("cases/<int:pk>/reopen/", views.case_reopen, name="rectification-case-reopen"),
    path("cases/<int:pk>/team/new/", views.team_add, name="rectification-team-add"),
    path("cases/<int:pk>/problems/new/", views.problem_add, name="rectification-problem-add"),
    path("cases/<int:pk>/progress/new/", views.progress_add, name="rectification-progress-add"),
    path("team/<int:pk>/delete/", views.team_remove, name="rectification-team-remove"),
    path("problems/", views.problem_list, name="rectification-problems"),
    path("problems/<int:pk>/edit/", views.problem_edit, name="rectification-problem-edit"),
    path("problems/<int:pk>/done/", views.problem_done, name="rectification-problem-done"),
]
