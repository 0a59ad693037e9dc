from django.urls import path

from dangjian.members import privacy_views, views

urlpatterns = [
    path("", views.member_list, name="member-list"),
    path("new/", views.member_create, name="member-create"),
    path("search/", views.member_search, name="member-search"),
    path("me/", views.member_me, name="member-me"),
    path("<int:pk>/", views.member_detail, name="member-detail"),
    path("<int:pk>/edit/", views.member_edit, name="member-edit"),
    path("<int:pk>/reveal-id/", views.member_reveal_id, name="member-reveal-id"),
    # Personal-information rights (PIPL): "my data", reports, correction requests.
    path("me/data/", privacy_views.my_data, name="member-my-data"),
    path("<int:pk>/data/", privacy_views.member_privacy, name="member-privacy"),
    path("<int:pk>/data.xlsx", privacy_views.member_privacy_xlsx, name="member-privacy-xlsx"),
    path("<int:pk>/reveal-phone/", privacy_views.member_reveal_phone, name="member-reveal-phone"),
    path("corrections/", privacy_views.correction_list, name="correction-list"),
    path("corrections/new/", privacy_views.correction_create, name="correction-create"),
    path("corrections/<int:pk>/", privacy_views.correction_detail, name="correction-detail"),
]
