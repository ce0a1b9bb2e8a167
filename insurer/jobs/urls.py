from django.urls import path

from insurer.jobs import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("run/<slug:kind>/", views.job_run, name="run"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/live/", views.job_live, name="live"),
    path("<int:pk>/cancel/", views.job_cancel, name="cancel"),
]
