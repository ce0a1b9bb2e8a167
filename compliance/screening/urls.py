"""/compliance/ pages of screening and due diligence (included by insurer/urls.py)."""

from django.urls import path

from compliance.screening import views

app_name = "compliance_screening"

urlpatterns = [
    path("screening/hits/", views.hit_list, name="hits"),
    path("screening/hits/<int:pk>/", views.hit_detail, name="hit"),
    path("screening/hits/<int:pk>/review/", views.hit_review, name="hit_review"),
    path("screening/hits/<int:pk>/confirm/", views.hit_confirm, name="hit_confirm"),
    path("screening/watchlists/", views.watchlist_list, name="watchlists"),
    path("screening/watchlists/import/", views.watchlist_import, name="watchlist_import"),
    path("screening/watchlists/<int:pk>/", views.watchlist_detail, name="watchlist"),
    path("screening/ratings/", views.rating_list, name="ratings"),
    path("screening/edd/<int:pk>/complete/", views.edd_complete, name="edd_complete"),
    path("customers/<str:ref>/profile/", views.customer_profile, name="profile"),
]
