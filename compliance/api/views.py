"""/api/v1/aml/…: alerts (filters, CSV export in the engine's columns), cases with their
alerts and timeline, suspicious transaction reports and large-value reports, and one POST
per command calling its service.

Lists need the view permission (403); a detail out of scope or absent is 404; a refused
command is 403 with the rule's message (maker-checker, second reviewer, MLRO only,
oversight roles); a wrong state or bad input 400."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance import selectors, services
from compliance.models import (
    Alert,
    Case,
    CaseEvent,
    Disposition,
    LargeValueReport,
    RuleSnooze,
    SuspiciousTransactionReport,
)
from compliance.views import RULES
from insurer import audit
from insurer.access import require
from insurer.pagination import ApiCursorPagination


class CanList(BasePermission):
    message = _("Your role may not list these records.")

    def has_permission(self, request, view) -> bool:
        return view.action != "list" or request.user.has_perm(view.list_permission)


class AlertSerializer(serializers.ModelSerializer):
    customer_ref = serializers.CharField(source="customer.customer_ref")
    policy_ref = serializers.CharField(source="policy.policy_ref")
    rule_ids = serializers.ListField(source="rule_list", child=serializers.CharField())
    score = serializers.FloatField()
    case = serializers.IntegerField(source="case_id", allow_null=True)

    class Meta:
        model = Alert
        fields = ["alert_id", "rules_version", "rule_ids", "customer_ref", "policy_ref", "txn_refs", "score", "tier",
                  "created_at", "raised_at", "status", "disposition", "case", "snoozed_until",
                  "explanation"]  # fmt: skip


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)

    class Meta:
        model = CaseEvent
        fields = ["kind", "actor", "at", "text", "detail"]


class CaseSerializer(serializers.ModelSerializer):
    reference = serializers.CharField()
    customer_ref = serializers.CharField(source="customer.customer_ref")
    assigned_to = serializers.CharField(source="assigned_to.username", default=None)
    max_score = serializers.FloatField()

    class Meta:
        model = Case
        fields = ["id", "reference", "customer_ref", "status", "disposition", "max_tier", "max_score", "alert_count",
                  "assigned_to", "opened_at", "escalated_at", "closed_at", "due_at", "proposed_disposition",
                  "decision_reason"]  # fmt: skip


class CaseDetailSerializer(CaseSerializer):
    alerts = AlertSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "alerts", "events"]


class ReportSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id")
    customer_ref = serializers.CharField(source="case.customer.customer_ref")
    drafted_by = serializers.CharField(source="drafted_by.username")
    approved_by = serializers.CharField(source="approved_by.username", default=None)

    class Meta:
        model = SuspiciousTransactionReport
        fields = ["id", "reference", "case", "customer_ref", "status", "revision", "activity_type", "grounds",
                  "action_taken", "txn_refs", "amount_total", "currency", "drafted_by", "drafted_at", "submitted_at",
                  "approved_by", "approved_at", "return_comment"]  # fmt: skip


class LargeValueSerializer(serializers.ModelSerializer):
    txn_ref = serializers.CharField(source="transaction.txn_ref")
    customer_ref = serializers.CharField(source="customer.customer_ref")

    class Meta:
        model = LargeValueReport
        fields = ["id", "txn_ref", "customer_ref", "category", "currency", "threshold", "amount", "day_total",
                  "report_day", "status", "due_at", "reference", "reported_at"]  # fmt: skip


class AssignSerializer(serializers.Serializer):
    assignee = serializers.CharField(required=False, allow_blank=True, help_text="username; empty = me")


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)


class EscalationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class DisposeSerializer(serializers.Serializer):
    disposition = serializers.ChoiceField(choices=Disposition.values)
    reason = serializers.CharField(allow_blank=True)


class DraftSerializer(serializers.Serializer):
    activity_type = serializers.CharField(allow_blank=True)
    grounds = serializers.CharField(allow_blank=True)
    action_taken = serializers.CharField(required=False, allow_blank=True, default="")
    txn_refs = serializers.ListField(child=serializers.CharField(), required=False, allow_null=True, default=None)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class GenerateSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField(required=False, allow_null=True, default=None)


class ReferenceSerializer(serializers.Serializer):
    reference = serializers.CharField(allow_blank=True)


class BatchFilingSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    reference = serializers.CharField(allow_blank=True)


class SnoozeSerializer(serializers.Serializer):
    until = serializers.DateField()
    reason = serializers.CharField(allow_blank=True)


class UnsnoozeSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class RuleSnoozeRequestSerializer(serializers.Serializer):
    rule_id = serializers.CharField(allow_blank=True)
    until = serializers.DateField()
    reason = serializers.CharField(allow_blank=True)


class RuleSnoozeSerializer(serializers.ModelSerializer):
    snoozed_by = serializers.CharField(source="snoozed_by.username")
    ended_by = serializers.CharField(source="ended_by.username", default=None)

    class Meta:
        model = RuleSnooze
        fields = ["id", "rule_id", "customer_ref", "reason", "expires_at", "from_alert", "snoozed_by", "snoozed_at",
                  "ended_at", "ended_by", "end_reason"]  # fmt: skip


REFUSALS = {
    403: OpenApiResponse(description="Refused: permission, maker-checker, second reviewer, MLRO only, oversight."),
    400: OpenApiResponse(description="Invalid input, or not in a state to do this."),
    404: OpenApiResponse(description="Absent or out of scope."),
}


def _command(summary, request_serializer, response, **extra):
    return extend_schema(summary=summary, request=request_serializer, responses={200: response, **REFUSALS}, **extra)


class NewestFirst(ApiCursorPagination):
    ordering = ("-created_at", "-id")


class ById(ApiCursorPagination):
    ordering = ("-id",)


ALERT_FILTERS = [
    OpenApiParameter("rule", str, enum=RULES),
    OpenApiParameter("tier", str, enum=["review", "hold", "freeze"]),
    OpenApiParameter("status", str, enum=Alert.Status.values),
    OpenApiParameter("customer", str, description="customer_ref"),
    OpenApiParameter(
        "snoozed", str, enum=["hide", "only", "all"], description="hide (default: the queue), only the snoozed, or all"
    ),
]


def _alert_filters(params) -> dict:
    return {
        "rule": params.get("rule", "") if params.get("rule", "") in RULES else "",
        "tier": params.get("tier", "") if params.get("tier", "") in ("review", "hold", "freeze") else "",
        "status": params.get("status", "") if params.get("status", "") in Alert.Status.values else "",
        "customer_ref": params.get("customer", "")[:40],
        "snoozed": params.get("snoozed", "") if params.get("snoozed", "") in selectors.SNOOZE_FILTERS else "hide",
    }


@extend_schema_view(
    list=extend_schema(summary="AML alerts, newest first", parameters=ALERT_FILTERS),
    retrieve=extend_schema(summary="One alert with its explanation"),
)
class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AlertSerializer
    permission_classes = [IsAuthenticated, CanList]
    list_permission = "compliance.view_alert"
    pagination_class = NewestFirst
    lookup_field = "alert_id"
    filter_backends: list = []

    def get_queryset(self):
        if self.action == "list":
            return selectors.alerts_for(self.request.user, **_alert_filters(self.request.query_params))
        return selectors.alerts_for(self.request.user)

    @extend_schema(
        summary="The alerts as CSV: alert_id, rule_id, customer_ref, policy_ref, txn_refs, score, tier, created_at",
        parameters=ALERT_FILTERS,
        responses={(200, "text/csv"): OpenApiTypes.STR, 403: REFUSALS[403]},
    )
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request, *args, **kwargs):
        require(request.user, "compliance.export_alert", _("Your role may not export AML alerts."))
        filters = _alert_filters(request.query_params)
        body = selectors.alerts_csv(selectors.alerts_for(request.user, **filters))
        audit.record_export(actor=request.user, obj_type="compliance.alert", rows=body.count("\n") - 1,
                            filters=filters)  # fmt: skip
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="aml-alerts.csv"'
        return response

    @_command("Snooze the alert until the end of a day, with the reason (out of the queue until then)",
              SnoozeSerializer, AlertSerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def snooze(self, request, *args, **kwargs):
        alert = self.get_object()
        data = SnoozeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.alert_snooze(actor=request.user, alert=alert, **data.validated_data)
        return Response(AlertSerializer(self.get_queryset().get(pk=alert.pk)).data)

    @_command("End the alert's snooze early, with the reason", UnsnoozeSerializer, AlertSerializer)
    @action(detail=True, methods=["post"])
    def unsnooze(self, request, *args, **kwargs):
        alert = self.get_object()
        data = UnsnoozeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.alert_unsnooze(actor=request.user, alert=alert, reason=data.validated_data["reason"])
        return Response(AlertSerializer(self.get_queryset().get(pk=alert.pk)).data)

    @_command("Snooze one of the alert's rules for its customer until the end of a day, with the reason "
              "(the batch and real-time scoring raise nothing of that rule for the customer until then; never L13)",
              RuleSnoozeRequestSerializer, RuleSnoozeSerializer)  # fmt: skip
    @action(detail=True, methods=["post"], url_path="snooze-rule", url_name="snooze-rule")
    def snooze_rule(self, request, *args, **kwargs):
        alert = self.get_object()  # 404 out of scope, then 403 without the right, before the body is read
        require(request.user, services.WORK, _("Your role may not snooze AML alerts."))
        data = RuleSnoozeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        snooze = services.rule_snooze(actor=request.user, alert=alert, **data.validated_data)
        return Response(RuleSnoozeSerializer(snooze).data)


@extend_schema_view(
    list=extend_schema(
        summary="AML cases (not closed unless ?status=closed), due first",
        parameters=[
            OpenApiParameter("status", str, enum=Case.Status.values),
            OpenApiParameter("tier", str, enum=["review", "hold", "freeze"]),
        ],
    ),
    retrieve=extend_schema(summary="One case with its alerts and timeline", responses=CaseDetailSerializer),
)
class CaseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CaseSerializer
    permission_classes = [IsAuthenticated, CanList]
    list_permission = "compliance.view_case"
    pagination_class = ById
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        if self.action != "list":
            return selectors.cases_for(self.request.user).prefetch_related(
                "alerts__customer", "alerts__policy", "events__actor"
            )
        status_ = params.get("status", "") if params.get("status", "") in Case.Status.values else ""
        tier = params.get("tier", "") if params.get("tier", "") in ("review", "hold", "freeze") else ""
        return selectors.cases_for(self.request.user, status=status_, tier=tier, open_only=not status_)

    def get_serializer_class(self):
        return CaseSerializer if self.action == "list" else CaseDetailSerializer

    def _done(self, case) -> Response:
        return Response(CaseDetailSerializer(self.get_queryset().get(pk=case.pk)).data)

    @_command("Assign the case (default: to me)", AssignSerializer, CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, *args, **kwargs):
        case = self.get_object()
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignee = None
        if data.validated_data.get("assignee"):
            assignee = get_user_model().objects.filter(username=data.validated_data["assignee"]).first()
            if assignee is None:
                return Response({"detail": _("No such user.")}, status=status.HTTP_400_BAD_REQUEST)
        services.case_assign(actor=request.user, case=case, assignee=assignee)
        return self._done(case)

    @_command("Add a note to the case's timeline", NoteSerializer, CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def note(self, request, *args, **kwargs):
        case = self.get_object()
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.case_note(actor=request.user, case=case, text=data.validated_data["text"])
        return self._done(case)

    @_command("Escalate the case to the MLRO", EscalationReasonSerializer, CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request, *args, **kwargs):
        case = self.get_object()
        data = EscalationReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.case_escalate(actor=request.user, case=case, reason=data.validated_data["reason"])
        return self._done(case)

    @_command("Decide the case: not_suspicious or suspicious (MLRO)", DisposeSerializer, CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def dispose(self, request, *args, **kwargs):
        case = self.get_object()
        data = DisposeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.case_dispose(actor=request.user, case=case, **data.validated_data)
        return self._done(case)

    @_command("Draft (or revise) the case's suspicious transaction report", DraftSerializer, ReportSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request, *args, **kwargs):
        case = self.get_object()
        data = DraftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.str_draft(actor=request.user, case=case, **data.validated_data)
        return Response(ReportSerializer(made).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Suspicious transaction reports",
                       parameters=[OpenApiParameter("status", str, enum=SuspiciousTransactionReport.Status.values)]),
    retrieve=extend_schema(summary="One report"),
)  # fmt: skip
class ReportViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ReportSerializer
    permission_classes = [IsAuthenticated, CanList]
    list_permission = "compliance.view_suspicioustransactionreport"
    pagination_class = ById
    filter_backends: list = []

    def get_queryset(self):
        status_ = self.request.query_params.get("status", "")
        status_ = status_ if status_ in SuspiciousTransactionReport.Status.values else ""
        return selectors.strs_for(self.request.user, status=status_ if self.action == "list" else "")

    def _run(self, request, service, serializer=CommentSerializer) -> Response:
        report = self.get_object()
        data = serializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = service(actor=request.user, report=report, **data.validated_data)
        return Response(ReportSerializer(self.get_queryset().get(pk=done.pk)).data)

    @_command("Submit the draft to the MLRO", None, ReportSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        return self._run(request, lambda **kw: services.str_submit(actor=kw["actor"], report=kw["report"]))

    @_command("Approve and record the report (an MLRO who did not draft it)", CommentSerializer, ReportSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        return self._run(request, services.str_approve)

    @_command("Return the report to the analyst (comment required)", CommentSerializer, ReportSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, *args, **kwargs):
        return self._run(request, services.str_return)

    @extend_schema(summary="The report in the documented XML layout (docs/aml.md)",
                   responses={(200, "application/xml"): OpenApiTypes.STR, **REFUSALS})  # fmt: skip
    @action(detail=True, methods=["get"])
    def export(self, request, *args, **kwargs):
        report = self.get_object()
        require(request.user, "compliance.export_suspicioustransactionreport", _("Your role may not export reports."))
        audit.record_export(actor=request.user, obj_type="compliance.suspicioustransactionreport", rows=1,
                            filters={"report": report.pk})  # fmt: skip
        return HttpResponse(selectors.str_xml([report]), content_type="application/xml; charset=utf-8")


@extend_schema_view(
    list=extend_schema(summary="Large-value transaction reports, earliest due first",
                       parameters=[OpenApiParameter("status", str, enum=LargeValueReport.Status.values)]),
    retrieve=extend_schema(summary="One large-value report"),
)  # fmt: skip
class LargeValueViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = LargeValueSerializer
    permission_classes = [IsAuthenticated, CanList]
    list_permission = "compliance.view_largevaluereport"
    pagination_class = ById
    filter_backends: list = []

    def get_queryset(self):
        status_ = self.request.query_params.get("status", "")
        status_ = status_ if status_ in LargeValueReport.Status.values and self.action == "list" else ""
        return selectors.lvtrs_for(self.request.user, status=status_)

    @_command("Generate the reports of the transactions from `since` to `until`", GenerateSerializer, None)
    @action(detail=False, methods=["post"])
    def generate(self, request, *args, **kwargs):
        require(request.user, services.RUN, _("Your role may not generate large-value reports."))
        data = GenerateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        until: dt.date | None = data.validated_data["until"]
        return Response(services.lvtr_generate(actor=request.user, since=data.validated_data["since"], until=until))

    @_command("Record the report as filed, with its filing reference", ReferenceSerializer, LargeValueSerializer)
    @action(detail=True, methods=["post"])
    def reported(self, request, *args, **kwargs):
        report = self.get_object()
        data = ReferenceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.lvtr_mark_reported(actor=request.user, report=report, reference=data.validated_data["reference"])
        return Response(LargeValueSerializer(self.get_queryset().get(pk=report.pk)).data)

    @_command("Record several reports as filed in one batch: each as `reference`-001, -002, … in due order",
              BatchFilingSerializer, LargeValueSerializer(many=True),
              operation_id="api_v1_aml_large_value_reported_many_create")  # fmt: skip
    @action(detail=False, methods=["post"], url_path="reported", url_name="reported-many")
    def reported_many(self, request, *args, **kwargs):
        require(request.user, services.REPORT_LV, _("Your role may not record large-value reports as filed."))
        data = BatchFilingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reports = services.lvtr_mark_reported_many(actor=request.user, report_ids=data.validated_data["ids"],
                                                   reference=data.validated_data["reference"])  # fmt: skip
        rows = self.get_queryset().filter(pk__in=[r.pk for r in reports]).order_by("due_at", "pk")
        return Response(LargeValueSerializer(rows, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary="Rule snoozes per customer in force (?all=1: with the ended and expired), newest first",
        parameters=[OpenApiParameter("customer", str, description="customer_ref"), OpenApiParameter("all", bool)],
    ),
    retrieve=extend_schema(summary="One rule snooze"),
)
class RuleSnoozeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RuleSnoozeSerializer
    permission_classes = [IsAuthenticated, CanList]
    list_permission = "compliance.view_alert"
    pagination_class = ById
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        in_force = self.action == "list" and params.get("all", "") not in ("1", "true")
        customer = params.get("customer", "")[:64] if self.action == "list" else ""
        return selectors.rule_snoozes_for(self.request.user, customer_ref=customer, in_force=in_force)

    @_command("End the rule snooze early, with the reason", UnsnoozeSerializer, RuleSnoozeSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, *args, **kwargs):
        snooze = self.get_object()
        require(request.user, services.WORK, _("Your role may not snooze AML alerts."))
        data = UnsnoozeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        snooze = services.rule_snooze_end(actor=request.user, snooze=snooze, reason=data.validated_data["reason"])
        return Response(RuleSnoozeSerializer(snooze).data)


def _month(row: dict, key: str) -> dict:
    return {"month": row["month"].strftime("%Y-%m") if row["month"] else None, key: row[key], "alerts": row["n"]}


class Dashboard(APIView):
    """The AML dashboard's figures: the page's own selector (selectors.dashboard), as JSON."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="AML dashboard figures: alerts by rule and tier per month (China time), the clocks of open cases "
        "and reports, alert rate per agent (top 20) and per channel (alerts per 1,000 policies), the last run",
        responses={200: OpenApiTypes.OBJECT, 403: REFUSALS[403]},
    )
    def get(self, request, **kwargs):
        require(request.user, "compliance.view_alert", _("Your role may not read AML alerts."))
        f = selectors.dashboard(request.user)
        run = f["last_run"]
        return Response({
            "total": f["total"],
            "open_alerts": f["open_alerts"],
            "by_tier": [_month(r, "tier") for r in f["by_tier"]],
            "by_rule": [_month(r, "rule_id") for r in f["by_rule"]],
            "rule_totals": f["rule_totals"],
            "clocks": f["clocks"],
            "channel_rate": [{**r, "rate": round(r["rate"], 2)} for r in f["channel_rate"]],
            "agent_rate": [{**r, "rate": round(r["rate"], 2)} for r in f["agent_rate"]],
            "last_run": None if run is None else {"id": run.pk, "rules_version": run.rules_version,
                                                  "started_at": run.started_at, "finished_at": run.finished_at},
        })  # fmt: skip
