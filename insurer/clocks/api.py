"""/api/v1/clocks/: clocks, rules and breaches (read), and one POST per command, each
calling its service. Lists need the view permission (403); details out of scope are 404;
every command is refused (403) to roles without the write permission, oversight included."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from insurer.access import permission_name
from insurer.access.models import Department
from insurer.clocks import selectors, services
from insurer.clocks.models import Clock, ClockBreach, ClockRule
from insurer.pagination import ApiCursorPagination


class ClockRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClockRule
        fields = [
            "code",
            "version",
            "effective_from",
            "title",
            "source",
            "trigger",
            "duration_value",
            "limit_per_clock",
            "duration_unit",
            "on_due",
            "pause_allowed",
            "escalation",
            "breach_notify",
            "verify",
            "verify_note",
            "notes",
        ]


class ClockSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.code", read_only=True)
    rule_version = serializers.IntegerField(source="rule.version", read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True, default=None)
    department = serializers.CharField(source="department.code", read_only=True, default=None)
    breached = serializers.SerializerMethodField()

    class Meta:
        model = Clock
        fields = [
            "id",
            "rule",
            "rule_version",
            "object_type",
            "object_id",
            "object_repr",
            "started_at",
            "time_limit",
            "base_due_at",
            "due_at",
            "next_escalation_at",
            "status",
            "calendar_note",
            "owner",
            "department",
            "stopped_at",
            "stop_reason",
            "breached",
        ]

    def get_breached(self, clock) -> bool:
        return hasattr(clock, "breach")


class PauseSerializer(serializers.Serializer):
    from_ = serializers.DateTimeField(source="paused_from")
    to = serializers.DateTimeField(source="paused_to", allow_null=True)
    reason = serializers.CharField()
    by = serializers.CharField(source="paused_by.username")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class EscalationSerializer(serializers.Serializer):
    step = serializers.IntegerField()
    due_at = serializers.DateTimeField()
    fired_at = serializers.DateTimeField()
    notified = serializers.ListField(child=serializers.CharField())


class ClockDetailSerializer(ClockSerializer):
    pauses = PauseSerializer(many=True, read_only=True)
    escalations = EscalationSerializer(many=True, read_only=True)

    class Meta(ClockSerializer.Meta):
        fields = [*ClockSerializer.Meta.fields, "pauses", "escalations"]


class BreachSerializer(serializers.ModelSerializer):
    clock = serializers.IntegerField(source="clock_id", read_only=True)
    rule = serializers.CharField(source="clock.rule.code", read_only=True)
    object_repr = serializers.CharField(source="clock.object_repr", read_only=True)
    explained_by = serializers.CharField(source="explained_by.username", read_only=True, default=None)
    signed_off_by = serializers.CharField(source="signed_off_by.username", read_only=True, default=None)

    class Meta:
        model = ClockBreach
        fields = [
            "id",
            "clock",
            "rule",
            "object_repr",
            "breached_at",
            "explanation",
            "explained_by",
            "explained_at",
            "signed_off_by",
            "signed_off_at",
        ]


class StartSerializer(serializers.Serializer):
    rule_code = serializers.CharField(max_length=8)
    object_type = serializers.CharField(max_length=60, help_text="app.model, e.g. claims.claim")
    object_id = serializers.CharField(max_length=120)
    object_repr = serializers.CharField(max_length=200, required=False, default="")
    started_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    department = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Department.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Department code: its role holders are notified and its scoped grants see the clock.",
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RequiredReasonSerializer(serializers.Serializer):
    """Stop and resume by a person: a regulator's clock never moves without a reason."""

    reason = serializers.CharField()


class ExplanationSerializer(serializers.Serializer):
    explanation = serializers.CharField()


class ClockRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()


class DueFirstPagination(ApiCursorPagination):
    ordering = ("due_at", "id")


class NewestBreachFirstPagination(ApiCursorPagination):
    ordering = ("-breached_at", "-id")


class CanListModel(BasePermission):
    message = _("Your role may not list these records.")

    def has_permission(self, request, view) -> bool:
        if view.action != "list":
            return True
        return request.user.has_perm(permission_name(view.queryset_model, "view"))


COMMAND_RESPONSES = {
    403: OpenApiResponse(ClockRefusalSerializer, description="The role may not do this (oversight roles never may)."),
    400: OpenApiResponse(description="Refused by the rule (e.g. pause not allowed, clock not running)."),
    404: OpenApiResponse(ClockRefusalSerializer, description="Absent or out of scope."),
}


def _command_schema(summary, request=None, response=None):
    return extend_schema(summary=summary, request=request, responses={200: response, **COMMAND_RESPONSES})


@extend_schema_view(
    list=extend_schema(
        summary="List clocks, earliest due first",
        parameters=[
            OpenApiParameter("rule", str, description="Rule code, e.g. C1"),
            OpenApiParameter("status", str, enum=[s for s, _ in Clock.Status.choices]),
            OpenApiParameter("due_before", str, description="ISO date or date-time"),
            OpenApiParameter("object_type", str),
            OpenApiParameter("object_id", str),
        ],
    ),
    retrieve=extend_schema(summary="One clock with its pauses and escalations", responses=ClockDetailSerializer),
)
class ClockViewSet(viewsets.ReadOnlyModelViewSet):
    queryset_model = Clock
    serializer_class = ClockSerializer
    permission_classes = [IsAuthenticated, CanListModel]
    filter_backends: list = []
    pagination_class = DueFirstPagination
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        rows = selectors.clocks_for(self.request.user)
        if self.action == "retrieve":
            return rows.prefetch_related("pauses__paused_by", "escalations")
        params = self.request.query_params
        if params.get("rule"):
            rows = rows.filter(rule__code=params["rule"])
        if params.get("status"):
            rows = rows.filter(status=params["status"])
        if params.get("object_type"):
            rows = rows.filter(object_type=params["object_type"])
        if params.get("object_id"):
            rows = rows.filter(object_id=params["object_id"])
        if params.get("due_before"):
            due = serializers.DateTimeField().to_internal_value(params["due_before"])
            rows = rows.filter(due_at__lt=due)
        return rows

    def get_serializer_class(self):
        return ClockDetailSerializer if self.action == "retrieve" else ClockSerializer

    def _done(self, clock):
        clock = selectors.clock_for_detail(self.request.user, clock.pk).get()
        return Response(ClockDetailSerializer(clock).data)

    @_command_schema("Start a clock on any object", StartSerializer, ClockDetailSerializer)
    @action(detail=False, methods=["post"])
    def start(self, request, *args, **kwargs):
        data = StartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        clock = services.clock_start(actor=request.user, **data.validated_data)
        response = self._done(clock)
        response.status_code = status.HTTP_201_CREATED
        return response

    @_command_schema("Pause a clock (reason required)", ReasonSerializer, ClockDetailSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, *args, **kwargs):
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.clock_pause(actor=request.user, clock=self.get_object(), reason=data.validated_data["reason"])
        )

    @_command_schema("Resume a paused clock (reason required)", RequiredReasonSerializer, ClockDetailSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, *args, **kwargs):
        # Read leniently: the service checks the permission first (403), then the reason (400 naming it).
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.clock_resume(actor=request.user, clock=self.get_object(), reason=data.validated_data["reason"])
        )

    @_command_schema("Stop a clock (obligation met; reason required)", RequiredReasonSerializer, ClockDetailSerializer)
    @action(detail=True, methods=["post"])
    def stop(self, request, *args, **kwargs):
        data = ReasonSerializer(data=request.data)  # lenient, as in resume
        data.is_valid(raise_exception=True)
        return self._done(
            services.clock_stop(actor=request.user, clock=self.get_object(), reason=data.validated_data["reason"])
        )


@extend_schema_view(
    list=extend_schema(summary="Clock rules, every version"), retrieve=extend_schema(summary="One rule version")
)
class ClockRuleViewSet(viewsets.ReadOnlyModelViewSet):
    queryset_model = ClockRule
    serializer_class = ClockRuleSerializer
    permission_classes = [IsAuthenticated, CanListModel]
    filter_backends: list = []
    pagination_class = None

    def get_queryset(self):
        return selectors.rules_for(self.request.user).order_by("position", "code", "-version")


@extend_schema_view(
    list=extend_schema(summary="The breach register, newest first"), retrieve=extend_schema(summary="One breach")
)
class BreachViewSet(viewsets.ReadOnlyModelViewSet):
    queryset_model = ClockBreach
    serializer_class = BreachSerializer
    permission_classes = [IsAuthenticated, CanListModel]
    filter_backends: list = []
    pagination_class = NewestBreachFirstPagination
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.breaches_for(self.request.user)

    @_command_schema("Explain a breach", ExplanationSerializer, BreachSerializer)
    @action(detail=True, methods=["post"])
    def explain(self, request, *args, **kwargs):
        data = ExplanationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        breach = services.breach_explain(
            actor=request.user, breach=self.get_object(), explanation=data.validated_data["explanation"]
        )
        return Response(BreachSerializer(breach).data)

    @_command_schema("Sign off a breach explanation (not its author)", None, BreachSerializer)
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, *args, **kwargs):
        breach = services.breach_sign_off(actor=request.user, breach=self.get_object())
        return Response(BreachSerializer(breach).data)
