from django.urls import path

from compliance import views

app_name = "compliance"

urlpatterns = [
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/export.csv", views.alert_export, name="alerts_export"),
    path("alerts/<str:alert_id>/snooze/", views.alert_snooze, name="alert_snooze"),
    path("alerts/<str:alert_id>/unsnooze/", views.alert_unsnooze, name="alert_unsnooze"),
    path("alerts/<str:alert_id>/snooze-rule/", views.alert_rule_snooze, name="alert_rule_snooze"),
    path("rule-snoozes/<int:pk>/end/", views.rule_snooze_end, name="rule_snooze_end"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/assign/", views.case_assign, name="case_assign"),
    path("cases/<int:pk>/note/", views.case_note, name="case_note"),
    path("cases/<int:pk>/escalate/", views.case_escalate, name="case_escalate"),
    path("cases/<int:pk>/dispose/", views.case_dispose, name="case_dispose"),
    path("cases/<int:pk>/report/", views.str_draft, name="str_draft"),
    path("reports/", views.str_list, name="strs"),
    path("reports/export.xml", views.str_export_all, name="strs_export"),
    path("reports/<int:pk>/", views.str_detail, name="str"),
    path("reports/<int:pk>/export.xml", views.str_export, name="str_export"),
    path("reports/<int:pk>/submit/", views.str_submit, name="str_submit"),
    path("reports/<int:pk>/approve/", views.str_approve, name="str_approve"),
    path("reports/<int:pk>/return/", views.str_return, name="str_return"),
    path("large-value/", views.lvtr_list, name="lvtrs"),
    path("large-value/generate/", views.lvtr_generate, name="lvtr_generate"),
    path("large-value/<int:pk>/reported/", views.lvtr_report, name="lvtr_report"),
    path("large-value/reported/", views.lvtr_report_many, name="lvtr_report_many"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
