from django.urls import path

from dangjian.community import views

urlpatterns = [
    path("", views.index, name="community-index"),
    path("volunteers/", views.table, name="community-table"),
    path("service/", views.service_list, name="community-service"),
    path("activities/", views.activity_list, name="community-activities"),
    path("activities/new/", views.activity_create, name="community-activity-create"),
    path("activities/<int:pk>/", views.activity_detail, name="community-activity"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="community-activity-edit"),
    path("activities/<int:pk>/cancel/", views.activity_cancel, name="community-activity-cancel"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="community-activity-delete"),
    path("serving/", views.serving, name="community-serving"),
    path("checkins/", views.checkin_list, name="community-checkins"),
    path("checkins/new/", views.checkin_create, name="community-checkin-create"),
    path("checkins/<int:pk>/edit/", views.checkin_edit, name="community-checkin-edit"),
    path("checkins/<int:pk>/end/", views.checkin_end, name="community-checkin-end"),
    path("members/<int:pk>/", views.member_record, name="community-member"),
    path("me/", views.me, name="community-me"),
]
