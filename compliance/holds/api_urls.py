"""/api/v1/aml/… routes of compliance.holds (included by insurer/urls.py)."""

from django.urls import path

from compliance.holds import api

urlpatterns = [path("aml/score", api.ScoreView.as_view(), name="aml-score")]
