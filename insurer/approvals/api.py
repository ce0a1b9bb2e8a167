"""/api/v1/approvals/: requests (list scoped through restrict, detail with route and
decisions), one POST per command calling its service, the queue, delegations, and the
authorisation matrix (versions, propose).

Out of scope → 404; a refused command → 403 with the rule's message (the maker approving,
oversight roles, a second level by the same person…); a request or step in the wrong state
→ 400."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from insurer.access.models import Department
from insurer.approvals import selectors, services
from insurer.approvals.models import (
    ApprovalRequest,
    ApprovalStep,
    AuthorisationMatrix,
    BusinessType,
    Decision,
    Delegation,
    MatrixRule,
)
from insurer.pagination import ApiCursorPagination


class DecisionSerializer(serializers.ModelSerializer):
    step = serializers.IntegerField(source="step.order", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True)
    on_behalf_of = serializers.CharField(source="on_behalf_of.username", read_only=True, default=None)

    class Meta:
        model = Decision
        fields = ["id", "step", "revision", "decided_by", "on_behalf_of", "decision", "comment", "decided_at"]


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApprovalStep
        fields = [
            "id",
            "order",
            "kind",
            "level",
            "role",
            "body",
            "days",
            "status",
            "started_at",
            "due_at",
            "calendar_note",
        ]


class RequestSerializer(serializers.ModelSerializer):
    maker = serializers.CharField(source="maker.username", read_only=True)
    department = serializers.CharField(source="department.code", read_only=True, default=None)
    matrix_version = serializers.IntegerField(source="matrix.version", read_only=True)
    current_step = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "object_type",
            "object_id",
            "object_repr",
            "kind",
            "amount",
            "currency",
            "department",
            "title",
            "maker",
            "status",
            "matrix_version",
            "is_exception",
            "revision",
            "created_at",
            "closed_at",
            "current_step",
        ]

    @extend_schema_field(StepSerializer(allow_null=True))
    def get_current_step(self, obj):
        # steps are prefetched by the selectors: no query per row
        current = next((s for s in obj.steps.all() if s.status == ApprovalStep.Status.CURRENT), None)
        return StepSerializer(current).data if current else None


class RequestDetailSerializer(RequestSerializer):
    steps = StepSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta(RequestSerializer.Meta):
        fields = [*RequestSerializer.Meta.fields, "description", "exception_reason", "steps", "decisions"]


class SubmitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=BusinessType.choices, help_text="matrix_change is proposed, not submitted")
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0)
    currency = serializers.CharField(max_length=3, default="CNY")
    object_type = serializers.CharField(max_length=60, help_text="app.model, e.g. claims.claim")
    object_id = serializers.CharField(max_length=120)
    object_repr = serializers.CharField(max_length=200, required=False, default="")
    department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), required=False, allow_null=True, default=None
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    is_exception = serializers.BooleanField(required=False, default=False)
    exception_reason = serializers.CharField(required=False, allow_blank=True, default="")


class DecideSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    on_behalf_of = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The delegator, when deciding under a delegation",
    )
    step = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The step id you decide; refused if it is no longer current",
    )


class ApprovalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ResubmitSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0, required=False)


class ApprovalRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()


class DelegationSerializer(serializers.ModelSerializer):
    delegator = serializers.CharField(source="delegator.username", read_only=True)
    delegate = serializers.SlugRelatedField(slug_field="username", queryset=get_user_model().objects.all())

    class Meta:
        model = Delegation
        fields = ["id", "delegator", "delegate", "role", "valid_from", "valid_to", "reason", "created_at", "revoked_at"]
        read_only_fields = ["created_at", "revoked_at"]
        extra_kwargs = {"valid_from": {"required": False}}


class LevelSerializer(serializers.Serializer):
    role = serializers.CharField(required=False)
    body = serializers.CharField(required=False)
    days = serializers.IntegerField()


class MatrixRuleSerializer(serializers.ModelSerializer):
    levels = LevelSerializer(many=True)
    forbidden_roles = serializers.ListField(child=serializers.CharField(), required=False, default=list)

    class Meta:
        model = MatrixRule
        fields = ["business_type", "min_amount", "max_amount", "levels", "forbidden_roles"]
        extra_kwargs = {"max_amount": {"allow_null": True, "required": False}}


class MatrixSerializer(serializers.ModelSerializer):
    based_on = serializers.IntegerField(source="based_on.version", read_only=True, default=None)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    approved_by = serializers.CharField(source="approved_by.username", read_only=True, default=None)
    rules = MatrixRuleSerializer(many=True, read_only=True)

    class Meta:
        model = AuthorisationMatrix
        fields = [
            "version",
            "status",
            "effective_from",
            "based_on",
            "note",
            "created_by",
            "created_at",
            "approved_by",
            "approved_at",
            "superseded_at",
            "rules",
        ]


class ProposeSerializer(serializers.Serializer):
    note = serializers.CharField()
    rules = serializers.ListField(child=serializers.DictField(), help_text="Every row of the new version")


class ProposedSerializer(serializers.Serializer):
    matrix = MatrixSerializer()
    approval_request = RequestDetailSerializer()


class CanList(BasePermission):
    message = _("Your role may not list these records.")

    def has_permission(self, request, view) -> bool:
        return view.action != "list" or request.user.has_perm(view.list_permission)


COMMAND_RESPONSES = {
    403: OpenApiResponse(
        ApprovalRefusalSerializer,
        description="Refused by a rule, named in the message (maker-checker, "
        "one person one level, authority, expired delegation, incompatible duties, oversight).",
    ),
    400: OpenApiResponse(description="Invalid input, or the request/step is not in a state to do this."),
    404: OpenApiResponse(ApprovalRefusalSerializer, description="Absent or out of scope."),
}


def _command(summary, request=None, response=None):
    return extend_schema(summary=summary, request=request, responses={200: response, **COMMAND_RESPONSES})


class NewestFirst(ApiCursorPagination):
    ordering = ("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="Approval requests in your scope, newest first",
        parameters=[
            OpenApiParameter("status", str, enum=ApprovalRequest.Status.values),
            OpenApiParameter("kind", str, enum=BusinessType.values),
            OpenApiParameter("mine", bool, description="Only requests I made"),
            OpenApiParameter("object_type", str),
            OpenApiParameter("object_id", str),
        ],
    ),
    retrieve=extend_schema(summary="One request with its route and decisions", responses=RequestDetailSerializer),
)
class ApprovalRequestViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RequestSerializer
    permission_classes = [IsAuthenticated, CanList]
    list_permission = "approvals.view_approvalrequest"
    filter_backends: list = []
    pagination_class = NewestFirst
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if self.action != "list":
            return selectors.request_detail(self.request.user, int(self.kwargs["pk"]))
        rows = selectors.request_list(self.request.user)
        params = self.request.query_params
        for field in ("status", "kind", "object_type", "object_id"):
            if params.get(field):
                rows = rows.filter(**{field: params[field]})
        if params.get("mine") in ("1", "true"):
            rows = rows.filter(maker=self.request.user)
        return rows

    def get_serializer_class(self):
        return RequestSerializer if self.action == "list" else RequestDetailSerializer

    def _detail(self, pk: int, code=status.HTTP_200_OK) -> Response:
        approval = selectors.request_detail(self.request.user, pk).get()
        return Response(RequestDetailSerializer(approval).data, status=code)

    @_command("Submit a request for approval (routed by the active matrix)", SubmitSerializer, RequestDetailSerializer)
    @action(detail=False, methods=["post"])
    def submit(self, request, *args, **kwargs):
        data = SubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.approval_submit(actor=request.user, **data.validated_data)
        return self._detail(made.pk, status.HTTP_201_CREATED)

    def _decide(self, request, verdict: str) -> Response:
        approval = self.get_object()
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        step_id = data.validated_data["step"]
        step = ApprovalStep.objects.filter(request=approval, pk=step_id).first() if step_id else None
        if step_id and step is None:
            return Response({"detail": _("That step is not part of this request.")}, status=400)
        services.approval_decide(
            actor=request.user,
            request=approval,
            decision=verdict,
            comment=data.validated_data["comment"],
            on_behalf_of=data.validated_data["on_behalf_of"],
            step=step,
        )
        return self._detail(approval.pk)

    @_command("Approve the current step", DecideSerializer, RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        return self._decide(request, Decision.Verdict.APPROVE)

    @_command("Reject the request at the current step (comment required)", DecideSerializer, RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        return self._decide(request, Decision.Verdict.REJECT)

    @_command(
        "Return the request to its maker for changes (comment required)", DecideSerializer, RequestDetailSerializer
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, *args, **kwargs):
        return self._decide(request, Decision.Verdict.RETURN)

    @_command("Withdraw a pending or returned request (maker only)", ApprovalReasonSerializer, RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        data = ApprovalReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        approval = services.approval_withdraw(
            actor=request.user, request=self.get_object(), reason=data.validated_data["reason"]
        )
        return self._detail(approval.pk)

    @_command(
        "Resubmit a returned request (maker only); the route continues at the returning step",
        ResubmitSerializer,
        RequestDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def resubmit(self, request, *args, **kwargs):
        data = ResubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        approval = services.approval_resubmit(actor=request.user, request=self.get_object(), **data.validated_data)
        return self._detail(approval.pk)

    @extend_schema(
        summary="My approvals: current steps I may decide, earliest due first", responses=RequestSerializer(many=True)
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def queue(self, request, *args, **kwargs):
        ids = [step.request_id for step in selectors.queue(request.user)]
        rows = {r.pk: r for r in selectors.request_list(request.user).filter(pk__in=ids)}
        return Response(RequestSerializer([rows[i] for i in ids if i in rows], many=True).data)


@extend_schema_view(
    list=extend_schema(summary="Delegations given or received (all, for those who may view them company-wide)"),
    retrieve=extend_schema(summary="One delegation"),
    create=extend_schema(
        summary="Delegate one of your roles until a date", responses={201: DelegationSerializer, **COMMAND_RESPONSES}
    ),
)
class DelegationViewSet(viewsets.GenericViewSet):
    serializer_class = DelegationSerializer
    permission_classes = [IsAuthenticated, CanList]
    list_permission = "approvals.view_delegation"
    filter_backends: list = []
    pagination_class = ApiCursorPagination
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.delegations_for(self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(DelegationSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(DelegationSerializer(self.get_object()).data)

    def create(self, request, *args, **kwargs):
        data = DelegationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        made = services.delegation_create(
            actor=request.user,
            delegate=v["delegate"],
            role=v["role"],
            valid_from=v.get("valid_from"),
            valid_to=v["valid_to"],
            reason=v["reason"],
        )
        return Response(DelegationSerializer(made).data, status=status.HTTP_201_CREATED)

    @_command("Revoke a delegation you gave", None, DelegationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        return Response(
            DelegationSerializer(services.delegation_revoke(actor=request.user, delegation=self.get_object())).data
        )


@extend_schema_view(
    list=extend_schema(summary="Authorisation matrix versions, newest first"),
    retrieve=extend_schema(summary="One matrix version with its rows"),
)
class MatrixViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MatrixSerializer
    permission_classes = [IsAuthenticated, CanList]
    list_permission = "approvals.view_authorisationmatrix"
    filter_backends: list = []
    pagination_class = None
    lookup_field = "version"
    lookup_url_kwarg = "number"  # "version" is the API version in the URL (/api/v1/…)
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.matrices_for(self.request.user).select_related("based_on").prefetch_related("rules")

    @_command(
        "Propose a new matrix version (routed for approval as a matrix_change request)",
        ProposeSerializer,
        ProposedSerializer,
    )
    @action(detail=False, methods=["post"])
    def propose(self, request, *args, **kwargs):
        data = ProposeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        matrix, approval = services.matrix_propose(
            actor=request.user, rules=data.validated_data["rules"], note=data.validated_data["note"]
        )
        matrix = self.get_queryset().get(pk=matrix.pk)
        approval = selectors.request_detail(request.user, approval.pk).get()
        body = {"matrix": MatrixSerializer(matrix).data, "approval_request": RequestDetailSerializer(approval).data}
        return Response(body, status=status.HTTP_201_CREATED)
