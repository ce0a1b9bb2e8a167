"""/api/v1/aml/screening/ routes (included by insurer/urls.py)."""

from django.urls import path

from compliance.screening.api import views

urlpatterns = [
    path("aml/screening/hits/", views.HitList.as_view(), name="aml-screening-hits"),
    path("aml/screening/hits/<int:pk>/", views.HitDetail.as_view(), name="aml-screening-hit"),
    path("aml/screening/hits/<int:pk>/review/", views.HitReview.as_view(), name="aml-screening-hit-review"),
    path("aml/screening/hits/<int:pk>/confirm/", views.HitConfirm.as_view(), name="aml-screening-hit-confirm"),
    path("aml/customers/<str:ref>/risk/", views.CustomerRisk.as_view(), name="aml-customer-risk"),
    path("aml/edd/<int:pk>/complete/", views.EddComplete.as_view(), name="aml-edd-complete"),
    path("aml/screening/watchlists/import/", views.WatchlistImport.as_view(), name="aml-screening-watchlist-import"),
    path("aml/screening/screen/", views.ScreenName.as_view(), name="aml-screening-screen"),
]
