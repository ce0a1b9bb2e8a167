from django.urls import path

from insurer.approvals import views

app_name = "approvals"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("mine/", views.mine, name="mine"),
    path("requests/", views.request_list, name="list"),
    path("requests/new/", views.submit, name="submit"),
    path("requests/<int:pk>/", views.detail, name="detail"),
    path("requests/<int:pk>/decide/", views.decide, name="decide"),
    path("requests/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("requests/<int:pk>/resubmit/", views.resubmit, name="resubmit"),
    path("delegations/", views.delegations, name="delegations"),
    path("delegations/<int:pk>/revoke/", views.delegation_revoke, name="delegation_revoke"),
    path("matrix/", views.matrix, name="matrix"),
    path("matrix/diff/", views.matrix_diff, name="matrix_diff"),
    path("matrix/propose/", views.matrix_propose, name="matrix_propose"),
    path("matrix/v<int:version>/", views.matrix_version, name="matrix_version"),
]
