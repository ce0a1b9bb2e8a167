"""/api/v1/jobs/: list, detail with progress, request (POST) and cancel (POST).

Lists need jobs.view_job (403 without); a job out of scope is 404; request and cancel call
the same services as the screens, so oversight roles get 403 from the same checks.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from insurer.jobs import registry, selectors, services
from insurer.jobs.models import Job, JobChunk


class ChunkSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="pending, running, done or failed")

    class Meta:
        model = JobChunk
        fields = ["index", "status", "attempts", "worker", "started_at", "finished_at", "error"]


class JobSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.get_username", read_only=True)
    percent = serializers.IntegerField(read_only=True)
    status = serializers.CharField(read_only=True, help_text="queued, running, succeeded, failed or cancelled")
    url = serializers.HyperlinkedIdentityField(view_name="job-detail", read_only=True)

    class Meta:
        model = Job
        fields = ["id", "url", "kind", "status", "percent", "chunks_total", "chunks_done", "parameters",
                  "input_hash", "code_version", "requested_by", "created_at", "started_at", "finished_at",
                  "cancel_requested", "result_summary", "error"]  # fmt: skip
        read_only_fields = fields


class JobDetailSerializer(JobSerializer):
    chunks = serializers.SerializerMethodField()

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "chunks"]
        read_only_fields = fields

    def get_chunks(self, job) -> list[dict]:
        return ChunkSerializer(job.chunks.order_by("index")[:1000], many=True).data


class JobRequestSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="A job kind's name, e.g. book_premium_reconciliation.")
    parameters = serializers.DictField(required=False, default=dict, help_text="The kind's parameters.")


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class CanListJobs(BasePermission):
    message = _("Your role may not list jobs.")

    def has_permission(self, request, view) -> bool:
        return view.action != "list" or request.user.has_perm("jobs.view_job")


@extend_schema_view(
    list=extend_schema(
        summary="List jobs, newest first",
        parameters=[
            OpenApiParameter("kind", str, description="Only this job kind."),
            OpenApiParameter("status", str, enum=Job.Status.values, description="Only jobs in this status."),
            OpenApiParameter("mine", bool, description="Only the jobs I requested."),
        ],
    ),
    retrieve=extend_schema(summary="One job with its progress and chunks"),
)
class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, CanListJobs]
    filter_backends: list = []
    queryset = Job.objects.none()

    def get_queryset(self):
        params = self.request.query_params
        return selectors.jobs_for(self.request.user, kind=params.get("kind", ""), status=params.get("status", ""),
                                  mine=params.get("mine", "").lower() in {"1", "true", "yes"})  # fmt: skip

    def get_serializer_class(self):
        return JobDetailSerializer if self.action == "retrieve" else JobSerializer

    @extend_schema(
        summary="Request a job",
        request=JobRequestSerializer,
        responses={
            201: JobSerializer,
            400: OpenApiResponse(description="Unknown kind or bad parameters."),
            403: OpenApiResponse(description="The role may not request jobs, or not this kind."),
        },
    )
    def create(self, request, *args, **kwargs):
        payload = JobRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        job = services.job_request(actor=request.user, kind=payload.validated_data["kind"],
                                   parameters=payload.validated_data["parameters"])  # fmt: skip
        return Response(JobSerializer(job, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel a queued or running job",
        request=CancelSerializer,
        responses={
            200: JobSerializer,
            400: OpenApiResponse(description="The job is already finished."),
            403: OpenApiResponse(description="Neither the requester nor a role that may cancel jobs."),
            404: OpenApiResponse(description="No such job in your scope."),
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        job = self.get_object()
        payload = CancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        job = services.job_cancel(actor=request.user, job=job, reason=payload.validated_data["reason"])
        return Response(JobSerializer(job, context={"request": request}).data)


class KindSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.CharField()
    verbose_name = serializers.CharField()
    parameters = serializers.ListField(child=serializers.DictField())


@extend_schema(summary="Job kinds the caller may request, with their parameters", responses=KindSerializer(many=True))
class JobKindViewSet(viewsets.ViewSet):
    permission_classes = [IsAuthenticated]

    def list(self, request, *args, **kwargs):
        data = []
        for kind in registry.kinds_for(request.user):
            fields = kind.form.base_fields.items() if kind.form else []
            data.append({
                "name": kind.name, "version": kind.version, "verbose_name": str(kind.verbose_name),
                "parameters": [{"name": n, "label": str(f.label or n), "required": f.required,
                                "help_text": str(f.help_text), "type": type(f).__name__} for n, f in fields],
            })  # fmt: skip
        return Response(data)
