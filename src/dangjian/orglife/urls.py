from django.urls import path

from dangjian.orglife import member_views, views

urlpatterns = [
    path("", member_views.index, name="orglife-index"),
    path("mine/", member_views.mine, name="orglife-mine"),
    path("compliance/", views.compliance, name="orglife-compliance"),
    path("compliance/organizations/", views.compliance_orgs, name="orglife-compliance-orgs"),
    path("calendar/<int:pk>/", views.calendar, name="orglife-calendar"),
    path("meetings/", views.meeting_list, name="orglife-meetings"),
    path("meetings/new/", views.meeting_create, name="orglife-meeting-create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="orglife-meeting"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="orglife-meeting-edit"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="orglife-meeting-cancel"),
    path("meetings/<int:pk>/files/", views.attachment_upload, name="orglife-attachment-upload"),
    path("meetings/<int:pk>/rectification/new/", views.life_follow_up_create, name="orglife-rectification-create"),
    path("files/<int:pk>/", views.attachment_file, name="orglife-attachment"),
    path("files/<int:pk>/delete/", views.attachment_delete, name="orglife-attachment-delete"),
    path("rectification/", views.life_follow_up_list, name="orglife-rectification"),
    path("rectification/<int:pk>/", views.life_follow_up_edit, name="orglife-rectification-edit"),
    path("requirements/", views.requirement_list, name="orglife-requirements"),
    path("requirements/new/", views.requirement_create, name="orglife-requirement-create"),
    path("requirements/<int:pk>/change/", views.requirement_revise, name="orglife-requirement-revise"),
    path("requirements/<int:pk>/end/", views.requirement_end, name="orglife-requirement-end"),
    path("appraisals/", views.appraisal_list, name="orglife-appraisals"),
    path("appraisals/new/", views.appraisal_create, name="orglife-appraisal-create"),
    path("appraisals/<int:pk>/", views.appraisal_detail, name="orglife-appraisal"),
    path("follow-ups/<int:pk>/", views.follow_up_edit, name="orglife-follow-up"),
    path("inbox/", views.inbox, name="orglife-inbox"),
    path("inbox/<int:pk>/dismiss/", views.reminder_dismiss, name="orglife-reminder-dismiss"),
]
