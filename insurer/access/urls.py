from django.urls import path

from insurer.access import views

app_name = "access"
urlpatterns = [
    path("me/", views.my_roles, name="my_roles"),
    path("grants/", views.grant_list, name="grant_list"),
    path("grants/request/", views.grant_request, name="grant_request"),
    path("grants/<int:pk>/", views.grant_detail, name="grant_detail"),
    path("grants/<int:pk>/approve/", views.grant_approve, name="grant_approve"),
    path("grants/<int:pk>/refuse/", views.grant_refuse, name="grant_refuse"),
    path("grants/<int:pk>/revoke/", views.grant_revoke, name="grant_revoke"),
    path("sod/", views.sod_matrix, name="sod_matrix"),
    path("sod/exceptions/", views.sod_exception_request, name="sod_exception_request"),
    path("sod/exceptions/<int:pk>/decide/", views.sod_exception_decide, name="sod_exception_decide"),
]
