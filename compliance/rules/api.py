"""/api/v1/aml/rules/: the API twin of the rule-version screens (AML-5).

Reads: the versions (status, who proposed and approved them, the latest backtest's figures)
and one version with its catalogue document and its latest backtest and shadow comparison.
Commands, each calling the same service as the screen (permission, maker ≠ checker, audit):
propose a draft, put it in shadow, approve it to go live. Backtests and shadow runs are jobs:
``POST /api/v1/jobs/`` with kind ``aml_backtest`` {"version"} or ``aml_shadow`` {"candidate",
"live"}."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.viewsets import ReadOnlyModelViewSet

from compliance.rules import selectors, services
from compliance.rules.models import RuleVersion
from insurer.access import get_for_user, require
from insurer.pagination import ApiCursorPagination

VIEW = "compliance_rules.view_ruleversion"
REFUSALS = {
    403: OpenApiResponse(description="Refused: permission, maker-checker (the proposer approves), oversight."),
    400: OpenApiResponse(description="Invalid input (named by field), or the version is not in a state to do this."),
    404: OpenApiResponse(description="Absent or out of scope."),
}


def _run(job) -> dict | None:
    """A backtest or shadow job as the API shows it: its id, when it finished, its figures."""
    if job is None:
        return None
    return {"job": job.pk, "finished_at": job.finished_at, "summary": job.result_summary}


class VersionSerializer(serializers.ModelSerializer):
    based_on = serializers.CharField(source="based_on.name", default=None)
    proposed_by = serializers.CharField(source="proposed_by.username", default=None)
    approved_by = serializers.CharField(source="approved_by.username", default=None)
    backtest = serializers.SerializerMethodField()

    class Meta:
        model = RuleVersion
        fields = ["id", "name", "status", "note", "based_on", "proposed_by", "proposed_at", "approved_by",
                  "approved_at", "approval_comment", "retired_at", "backtest"]  # fmt: skip

    def get_backtest(self, version) -> dict | None:
        return _run(selectors.latest_backtest(version))


class VersionDetailSerializer(VersionSerializer):
    shadow = serializers.SerializerMethodField()

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "shadow", "parameters"]

    def get_shadow(self, version) -> dict | None:
        return _run(selectors.latest_shadow(version))


class ProposeRequest(serializers.Serializer):
    name = serializers.CharField(max_length=40)
    note = serializers.CharField(max_length=4000)
    parameters = serializers.CharField(help_text="the catalogue document, YAML or JSON text")


class ApproveRequest(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class ByNewest(ApiCursorPagination):
    ordering = ("-proposed_at", "-id")


class RuleVersionViewSet(ReadOnlyModelViewSet):
    permission_classes = [IsAuthenticated]
    pagination_class = ByNewest
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RuleVersion.objects.none()
        if self.action == "list" and not self.request.user.has_perm(VIEW):
            raise PermissionDenied(_("Your role may not read rule versions."))
        return selectors.versions_for(self.request.user)

    def get_object(self):
        return get_for_user(selectors.versions_for(self.request.user), self.request.user, pk=self.kwargs["pk"])

    def get_serializer_class(self):
        return VersionSerializer if self.action == "list" else VersionDetailSerializer

    def _done(self, version, code=status.HTTP_200_OK) -> Response:
        return Response(VersionDetailSerializer(self.get_queryset().get(pk=version.pk)).data, status=code)

    @extend_schema(
        summary="Propose a draft rule version (based on the live one)",
        request=ProposeRequest,
        responses={201: VersionDetailSerializer, **REFUSALS},
    )
    def create(self, request, *args, **kwargs):
        require(request.user, services.PROPOSE, _("Your role may not propose rule versions."))
        data = ProposeRequest(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.rule_version_propose(
            actor=request.user, name=data.validated_data["name"], note=data.validated_data["note"],
            parameters_text=data.validated_data["parameters"], based_on=selectors.live_version(),
        )  # fmt: skip
        return self._done(version, status.HTTP_201_CREATED)

    @extend_schema(summary="Put a draft in shadow (the candidate)", request=None,
                   responses={200: VersionDetailSerializer, **REFUSALS})  # fmt: skip
    @action(detail=True, methods=["post"])
    def shadow(self, request, *args, **kwargs):
        version = self.get_object()
        return self._done(services.rule_version_shadow(actor=request.user, version=version))

    @extend_schema(
        summary="Approve the candidate to go live (another person than the proposer; a shadow run against the live "
        "version first)",
        request=ApproveRequest,
        responses={200: VersionDetailSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        version = self.get_object()
        require(request.user, services.APPROVE, _("Your role may not approve rule versions."))
        data = ApproveRequest(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.rule_version_approve(
            actor=request.user, version=version, comment=data.validated_data.get("comment", "")
        )
        return self._done(done)
