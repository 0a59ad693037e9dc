from django.urls import include, path

urlpatterns = [
    path("", include("dangjian.core.urls")),
    path("orgs/", include("dangjian.organizations.urls")),
    path("members/", include("dangjian.members.urls")),
]
