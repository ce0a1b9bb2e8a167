"""/api/v1/access/: role grants (list scoped through restrict, detail) and one POST per
command calling its service: request, approve, refuse, revoke; the same for
separation-of-duties exceptions (request, approve, refuse). The API twin of the Access
screens, for an HR or identity system that provisions roles.

Refusals are the services' own: 403 naming the rule (nobody for themselves, the maker
never decides, oversight roles never write), 400 naming the field or the conflict (e.g.
"… are incompatible duties (SOD-3: …)"), 404 out of scope."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from insurer.access import require, restrict, services
from insurer.access.models import ROLE_CHOICES, Department, RoleGrant, SodException
from insurer.pagination import ApiCursorPagination


class GrantSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    department = serializers.CharField(source="department.code", read_only=True, default=None)
    sod_exception = serializers.IntegerField(source="sod_exception_id", read_only=True, default=None)

    class Meta:
        model = RoleGrant
        fields = [
            "id",
            "user",
            "role",
            "department",
            "valid_from",
            "valid_to",
            "status",
            "reason",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "sod_exception",
        ]


class GrantRequestSerializer(serializers.Serializer):
    user = serializers.SlugRelatedField(slug_field="username", queryset=get_user_model().objects.filter(is_active=True))
    role = serializers.ChoiceField(choices=ROLE_CHOICES)
    reason = serializers.CharField()
    valid_from = serializers.DateField(required=False, allow_null=True, default=None)
    valid_to = serializers.DateField(required=False, allow_null=True, default=None)
    department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), required=False, allow_null=True, default=None
    )


class GrantNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class GrantReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ExceptionSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = SodException
        fields = [
            "id",
            "user",
            "role",
            "other_role",
            "reason",
            "compensating_controls",
            "valid_to",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
        ]


class ExceptionRequestSerializer(serializers.Serializer):
    user = serializers.SlugRelatedField(slug_field="username", queryset=get_user_model().objects.filter(is_active=True))
    role = serializers.ChoiceField(choices=ROLE_CHOICES)
    other_role = serializers.ChoiceField(choices=ROLE_CHOICES)
    reason = serializers.CharField()
    compensating_controls = serializers.CharField()
    valid_to = serializers.DateField()


class AccessRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()


COMMAND_RESPONSES = {
    400: OpenApiResponse(description="Invalid input, a separation-of-duties conflict, or the wrong state."),
    403: OpenApiResponse(AccessRefusalSerializer, description="Refused by a rule, named in the message."),
    404: OpenApiResponse(AccessRefusalSerializer, description="Absent or out of scope."),
}


def _command(summary, request, response):
    return extend_schema(summary=summary, request=request, responses={200: response, **COMMAND_RESPONSES})


class CanList(BasePermission):
    message = _("Your role may not list these records.")

    def has_permission(self, request, view) -> bool:
        return view.action != "list" or request.user.has_perm(view.list_permission)


class NewestFirst(ApiCursorPagination):
    ordering = ("-requested_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="Role grants in your scope, newest first",
        parameters=[
            OpenApiParameter("status", str, enum=RoleGrant.Status.values),
            OpenApiParameter("role", str),
            OpenApiParameter("user", str, description="username"),
        ],
    ),
    retrieve=extend_schema(summary="One role grant"),
)
class RoleGrantViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = GrantSerializer
    permission_classes = [IsAuthenticated, CanList]
    list_permission = "access.view_rolegrant"
    filter_backends: list = []
    pagination_class = NewestFirst
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        rows = restrict(RoleGrant.objects.select_related("user", "department"), self.request.user)
        params = self.request.query_params
        for field in ("status", "role"):
            if params.get(field):
                rows = rows.filter(**{field: params[field]})
        if params.get("user"):
            rows = rows.filter(user__username=params["user"])
        return rows

    def _answer(self, grant: RoleGrant, code=status.HTTP_200_OK) -> Response:
        return Response(GrantSerializer(self.get_queryset().get(pk=grant.pk)).data, status=code)

    @_command(
        "Request a role for a user (takes effect when another person approves)", GrantRequestSerializer, GrantSerializer
    )
    @action(detail=False, methods=["post"], url_path="request", url_name="request")
    def request_grant(self, request, *args, **kwargs):
        # Refuse before reading the body: a caller without the permission learns nothing from 400s.
        require(request.user, "access.add_rolegrant", _("Your role may not request role grants."))
        data = GrantRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = services.grant_request(actor=request.user, **data.validated_data)
        return self._answer(grant, status.HTTP_201_CREATED)

    @_command("Approve a requested grant (not the maker, not the user it is for)", GrantNoteSerializer, GrantSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        data = GrantNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.grant_approve(actor=request.user, grant=self.get_object(), **data.validated_data))

    @_command("Refuse a requested grant, with a note", GrantNoteSerializer, GrantSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request, *args, **kwargs):
        data = GrantNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.grant_refuse(actor=request.user, grant=self.get_object(), **data.validated_data))

    @_command("Revoke an active grant from today, with a reason", GrantReasonSerializer, GrantSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        data = GrantReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.grant_revoke(actor=request.user, grant=self.get_object(), **data.validated_data))


@extend_schema_view(
    list=extend_schema(summary="Separation-of-duties exceptions, newest first"),
    retrieve=extend_schema(summary="One separation-of-duties exception"),
)
class SodExceptionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ExceptionSerializer
    permission_classes = [IsAuthenticated, CanList]
    list_permission = "access.view_sodexception"
    filter_backends: list = []
    pagination_class = NewestFirst
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return restrict(SodException.objects.select_related("user"), self.request.user)

    def _answer(self, exception: SodException, code=status.HTTP_200_OK) -> Response:
        return Response(ExceptionSerializer(self.get_queryset().get(pk=exception.pk)).data, status=code)

    @_command(
        "Request an expiring exception for a pair the matrix names (compliance decides)",
        ExceptionRequestSerializer,
        ExceptionSerializer,
    )
    @action(detail=False, methods=["post"], url_path="request", url_name="request")
    def request_exception(self, request, *args, **kwargs):
        require(
            request.user, "access.add_sodexception", _("Your role may not request separation-of-duties exceptions.")
        )
        data = ExceptionRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.sod_exception_request(actor=request.user, **data.validated_data)
        return self._answer(made, status.HTTP_201_CREATED)

    def _decide(self, request, approve: bool) -> Response:
        data = GrantNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decided = services.sod_exception_decide(
            actor=request.user, exception=self.get_object(), approve=approve, note=data.validated_data["note"]
        )
        return self._answer(decided)

    @_command(
        "Approve an exception (compliance; not the maker, not the person it is for)",
        GrantNoteSerializer,
        ExceptionSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        return self._decide(request, approve=True)

    @_command("Refuse an exception, with a note", GrantNoteSerializer, ExceptionSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request, *args, **kwargs):
        return self._decide(request, approve=False)
