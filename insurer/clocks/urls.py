"""Pages of the regulatory clocks, under /clocks/."""

from django.urls import path

from insurer.clocks import views

app_name = "clocks"
urlpatterns = [
    path("", views.clock_list, name="list"),
    path("start/", views.clock_start, name="start"),
    path("rules/", views.rule_list, name="rules"),
    path("breaches/", views.breach_list, name="breaches"),
    path("breaches/<int:pk>/explain/", views.breach_explain, name="breach_explain"),
    path("breaches/<int:pk>/sign-off/", views.breach_sign_off, name="breach_sign_off"),
    path("<int:pk>/", views.clock_detail, name="detail"),
    path("<int:pk>/pause/", views.clock_pause, name="pause"),
    path("<int:pk>/resume/", views.clock_resume, name="resume"),
    path("<int:pk>/stop/", views.clock_stop, name="stop"),
]
