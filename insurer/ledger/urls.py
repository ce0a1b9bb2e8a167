from django.urls import path

from insurer.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("history/<str:object_type>/<str:object_id>/", views.object_history, name="object_history"),
    path("verify/", views.verify_page, name="verify"),
    path("export.csv", views.export_csv, name="export"),
    path("checkpoints.jsonl", views.checkpoints_export, name="checkpoints_export"),
]
