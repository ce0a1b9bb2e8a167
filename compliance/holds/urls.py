from django.urls import path

from compliance.holds import views

app_name = "compliance_holds"
urlpatterns = [
    path("", views.restriction_list, name="list"),
    path("place/", views.restriction_place, name="place"),
    path("<int:pk>/", views.restriction_detail, name="detail"),
    path("<int:pk>/lift/", views.restriction_lift, name="lift"),
    path("policy/<str:policy_ref>/", views.policy_restrictions, name="policy"),
]
