from django.urls import path

from dangjian.points import views

urlpatterns = [
    path("", views.index, name="points-index"),
    path("me/", views.me, name="points-me"),
    path("claims/new/", views.claim_create, name="points-claim"),
    path("entries/<int:pk>/", views.entry_detail, name="points-entry"),
    path("entries/<int:pk>/approve/", views.entry_approve, name="points-entry-approve"),
    path("entries/<int:pk>/reject/", views.entry_reject, name="points-entry-reject"),
    path("inbox/", views.inbox, name="points-inbox"),
    path("balances/", views.balances, name="points-balances"),
    path("distribution/", views.distribution, name="points-distribution"),
    path("award/", views.award, name="points-award"),
    path("rules/", views.rules, name="points-rules"),
    path("rules/<int:pk>/revise/", views.rule_revise, name="points-rule-revise"),
    path("rules/<int:pk>/end/", views.rule_end, name="points-rule-end"),
    path("schemes/new/", views.scheme_create, name="points-scheme-create"),
    path("schemes/<int:pk>/rules/new/", views.rule_create, name="points-rule-create"),
]
