from django.urls import path

from risk import views

app_name = "risk"

urlpatterns = [
    path("valuations/", views.valuation_list, name="valuations"),
    path("valuations/<int:pk>/", views.valuation_detail, name="valuation"),
]
