from django.urls import path

from risk import views, views_model_points, views_solvency
from risk.views_assumptions import urlpatterns as assumption_urlpatterns
from risk.views_capital import urlpatterns as capital_urlpatterns

app_name = "risk"

urlpatterns = [
    path("valuations/", views.valuation_list, name="valuations"),
    path("valuations/<int:pk>/", views.valuation_detail, name="valuation"),
    *assumption_urlpatterns,
    *capital_urlpatterns,
    path("solvency/", views_solvency.solvency_dashboard, name="solvency"),
    path("solvency/<int:pk>/", views_solvency.solvency_run, name="solvency_run"),
    path(
        "solvency/<int:pk>/report.xlsx",
        views_solvency.solvency_report,
        {"file_type": "xlsx"},
        name="solvency_report_xlsx",
    ),
    path(
        "solvency/<int:pk>/report.pdf", views_solvency.solvency_report, {"file_type": "pdf"}, name="solvency_report_pdf"
    ),
    path("stress/", views_solvency.stress_list, name="stress"),
    path("stress/<int:pk>/", views_solvency.stress_run, name="stress_run"),
    path("model-points/", views_model_points.model_point_sets, name="model_point_sets"),
    path("model-points/<int:pk>/", views_model_points.model_point_set, name="model_point_set"),
]
