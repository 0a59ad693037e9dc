from django.urls import include, path

from dangjian.api import api

urlpatterns = [
    path("", include("dangjian.dashboard.urls")),
    path("", include("dangjian.core.urls")),
    path("", include("dangjian.accounts.urls")),  # login, logout, account/, system/users/, security/roles/
    path("orgs/", include("dangjian.organizations.urls")),
    path("members/", include("dangjian.members.urls")),
    path("posts/", include("dangjian.posts.urls")),
    path("reserve/", include("dangjian.cadres.urls")),
    path("orglife/", include("dangjian.orglife.urls")),
    path("training/", include("dangjian.training.urls")),
    path("rectification/", include("dangjian.rectification.urls")),
    path("points/", include("dangjian.points.urls")),
    path("community/", include("dangjian.community.urls")),
    path("reports/", include("dangjian.reports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("io/", include("dangjian.core.io_urls")),
    path("api/v1/", api.urls),
]
