from django.urls import path

from insurer.access import object_views, views

app_name = "access"
urlpatterns = [
    path("me/", views.my_roles, name="my_roles"),
    path("grants/", views.grant_list, name="grant_list"),
    path("grants/request/", views.grant_request, name="grant_request"),
    path("grants/<int:pk>/", views.grant_detail, name="grant_detail"),
    path("grants/<int:pk>/approve/", views.grant_approve, name="grant_approve"),
    path("grants/<int:pk>/refuse/", views.grant_refuse, name="grant_refuse"),
    path("grants/<int:pk>/revoke/", views.grant_revoke, name="grant_revoke"),
    path("object-grants/", object_views.object_grant_list, name="object_grant_list"),
    path("object-grants/request/", object_views.object_grant_request, name="object_grant_request"),
    path("object-grants/<int:pk>/", object_views.object_grant_detail, name="object_grant_detail"),
    path("object-grants/<int:pk>/approve/", object_views.object_grant_approve, name="object_grant_approve"),
    path("object-grants/<int:pk>/refuse/", object_views.object_grant_refuse, name="object_grant_refuse"),
    path("object-grants/<int:pk>/revoke/", object_views.object_grant_revoke, name="object_grant_revoke"),
    path("sod/", views.sod_matrix, name="sod_matrix"),
    path("sod/exceptions/", views.sod_exception_request, name="sod_exception_request"),
    path("sod/exceptions/<int:pk>/decide/", views.sod_exception_decide, name="sod_exception_decide"),
]
