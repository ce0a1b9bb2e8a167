"""/api/v1/risk/: valuation, solvency and stress runs (platform jobs of the risk app's kinds).

- ``GET  …/risk/<kind>/``            runs newest first (risk.view_valuation, 403 without);
  ``?regime=cross|solvency2`` keeps one regime (each run says its ``regime``);
- ``POST …/risk/<kind>/``            request a run: the body is the kind's parameters; 202 with
  the job id and where to follow its progress (jobs.request_job + risk.run_valuation, 403);
- ``GET  …/risk/<kind>/{id}/``       one run with its result summary (404 out of scope);
- ``GET  …/risk/<kind>/{id}/results/`` the results alone (409 while the job has not succeeded);
- ``GET  …/risk/solvency-runs/{id}/report/xlsx/`` and ``…/report/pdf/``: the quarterly report
  (C-ROSS runs; a Solvency II run answers 404 saying its reporting has another template).

Requests go through insurer.jobs.services.job_request, the same service as the screens'
form, so validation (400 naming the field), permissions and the audit entry are the same.
"""

from __future__ import annotations

import json

from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from insurer.jobs import services
from insurer.jobs.models import Job
from risk.jobs_solvency import (
    CROSS,
    REGIMES,
    SOLVENCY2,
    SOLVENCY_KIND,
    STRESS_KIND,
    VALUATION_KIND,
    regime_of,
    runs_for,
)


class RunSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.get_username", read_only=True)
    regime = serializers.SerializerMethodField(help_text="cross (C-ROSS) or solvency2 (Solvency II standard formula).")
    percent = serializers.IntegerField(read_only=True, help_text="Progress: chunks done / chunks total, in %.")
    status = serializers.CharField(read_only=True, help_text="queued, running, succeeded, failed or cancelled")

    class Meta:
        model = Job
        fields = ["id", "kind", "regime", "status", "percent", "chunks_total", "chunks_done", "parameters",
                  "input_hash", "code_version", "requested_by", "created_at", "started_at", "finished_at",
                  "error"]  # fmt: skip
        read_only_fields = fields

    def get_regime(self, job: Job) -> str:
        return regime_of(job.parameters)


class RunDetailSerializer(RunSerializer):
    results = serializers.JSONField(source="result_summary", read_only=True, help_text="The reduce's summary.")

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "results"]
        read_only_fields = fields


class RunRequestedSerializer(serializers.Serializer):
    job = serializers.IntegerField(help_text="The job's id.")
    kind = serializers.CharField()
    status = serializers.CharField()
    job_url = serializers.CharField(help_text="/api/v1/jobs/{id}/: progress and chunks.")
    run_url = serializers.CharField(help_text="This run in the risk API.")


class FileRenderer(BaseRenderer):
    """Lets a download action answer any Accept header; errors stay JSON."""

    media_type = "*/*"
    format = "file"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data).encode()


class CanListRuns(BasePermission):
    message = _("Your role may not read valuation, solvency and stress results.")

    def has_permission(self, request, view) -> bool:
        return view.action != "list" or request.user.has_perm("risk.view_valuation")


class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    kind = ""
    permission_classes = [IsAuthenticated, CanListRuns]
    filter_backends: list = []
    queryset = Job.objects.none()

    def get_queryset(self):
        runs = runs_for(self.request.user, self.kind).order_by("-created_at", "-id")
        regime = self.request.query_params.get("regime") if self.action == "list" else None
        if regime == SOLVENCY2:
            runs = runs.filter(parameters__regime=SOLVENCY2)
        elif regime in REGIMES:  # C-ROSS: runs from before the regime parameter have none
            runs = runs.filter(Q(parameters__regime__isnull=True) | Q(parameters__regime=CROSS))
        elif regime:
            raise serializers.ValidationError({"regime": _("Use cross or solvency2.")})
        return runs

    def get_serializer_class(self):
        return RunSerializer if self.action == "list" else RunDetailSerializer

    def create(self, request, *args, **kwargs):
        parameters = request.data if isinstance(request.data, dict) else {}
        job = services.job_request(actor=request.user, kind=self.kind, parameters=dict(parameters))
        detail = reverse(f"{self.basename}-detail", kwargs={"version": "v1", "pk": job.pk})
        job_url = reverse("job-detail", kwargs={"version": "v1", "pk": job.pk})
        body = {"job": job.pk, "kind": job.kind, "status": job.status, "job_url": job_url, "run_url": detail}
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": detail})

    @action(detail=True, methods=["get"])
    def results(self, request, *args, **kwargs):
        job = self.get_object()
        if job.status != Job.Status.SUCCEEDED:
            return Response({"detail": _("The run has not succeeded."), "status": job.status},
                            status=status.HTTP_409_CONFLICT)  # fmt: skip
        return Response(self.results_body(job.result_summary))

    def results_body(self, summary: dict) -> dict:
        return summary


def _schema(noun: str, kind: str):
    return extend_schema_view(
        list=extend_schema(summary=f"List {noun} runs, newest first"),
        retrieve=extend_schema(summary=f"One {noun} run with its results"),
        create=extend_schema(
            summary=f"Request a {noun} run (a job of kind {kind})",
            request={"application/json": OpenApiTypes.OBJECT},
            description=f"The body is the parameters of job kind `{kind}` (GET /api/v1/job-kinds/ lists them).",
            responses={
                202: RunRequestedSerializer,
                400: OpenApiResponse(description="Bad parameters, named by field."),
                403: OpenApiResponse(description="The role may not request this kind of run."),
            },
        ),
        results=extend_schema(
            summary=f"The {noun} run's results",
            responses={200: OpenApiTypes.OBJECT, 409: OpenApiResponse(description="Not succeeded (yet).")},
        ),
    )


@_schema("valuation", VALUATION_KIND)
class ValuationRunViewSet(RunViewSet):
    kind = VALUATION_KIND

    def results_body(self, summary: dict) -> dict:
        """The summary and, as on the results page, the expected reserve roll-forward over the
        first projection year (null when the run has no cash flows or its set changed)."""
        from risk.selectors import valuation_roll_forward

        roll = valuation_roll_forward(summary or {})
        body = None if roll is None else {
            "months": roll.months, "opening_bel": roll.opening_bel, "premiums": roll.premiums, "outgo": roll.outgo,
            "interest": roll.interest, "closing_bel": roll.closing_bel,
        }  # fmt: skip
        return {**(summary or {}), "reserve_roll_forward": body}


@_schema("stress", STRESS_KIND)
class StressRunViewSet(RunViewSet):
    kind = STRESS_KIND


@_schema("solvency", SOLVENCY_KIND)
class SolvencyRunViewSet(RunViewSet):
    kind = SOLVENCY_KIND

    @extend_schema(
        summary="The quarterly solvency report of a finished run (Excel or PDF)",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such finished run."),
        },
    )
    @action(detail=True, methods=["get"], url_path=r"report/(?P<file_type>xlsx|pdf)", url_name="report",
            renderer_classes=[JSONRenderer, FileRenderer])  # fmt: skip
    def report(self, request, file_type: str, *args, **kwargs):
        from risk.views_solvency import report_file

        job = self.get_object()
        if regime_of(job.parameters) == SOLVENCY2:
            return Response({"detail": _("A Solvency II run has no quarterly report: the report follows the C-ROSS "
                                         "template.")}, status=status.HTTP_404_NOT_FOUND)  # fmt: skip
        try:
            return report_file(job, file_type, request.user)
        except Http404:
            return Response({"detail": _("The run has not succeeded: no report.")}, status=status.HTTP_404_NOT_FOUND)
