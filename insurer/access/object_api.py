"""/api/v1/access/object-grants/: the API twin of the object-grant screens. List (scoped
through restrict), detail, and one POST per command calling its service: request,
approve, refuse, revoke. Refusals are the services' own: 403 naming the rule (nobody for
themselves, the maker never decides, oversight roles never write), 400 naming the field or
the conflict (e.g. "… holds the read-only role Internal auditor …"), 404 out of scope."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from insurer.access import object_grants, require, restrict
from insurer.access.api import CanList, GrantNoteSerializer, GrantReasonSerializer, NewestFirst, _command
from insurer.access.models import ObjectGrant


class ObjectGrantSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    permission = serializers.SerializerMethodField()
    object_type = serializers.SerializerMethodField()

    class Meta:
        model = ObjectGrant
        fields = ["id", "user", "permission", "object_type", "object_pk", "object_repr", "valid_from", "valid_to",
                  "status", "reason", "requested_by", "requested_at", "decided_by", "decided_at",
                  "decision_note"]  # fmt: skip

    def get_permission(self, grant) -> str:
        return f"{grant.permission.content_type.app_label}.{grant.permission.codename}"

    def get_object_type(self, grant) -> str:
        return f"{grant.permission.content_type.app_label}.{grant.permission.content_type.model}"


class ObjectGrantRequestSerializer(serializers.Serializer):
    user = serializers.SlugRelatedField(slug_field="username", queryset=get_user_model().objects.filter(is_active=True))
    object_type = serializers.CharField(help_text="app_label.model, e.g. clocks.clock")
    object_pk = serializers.CharField()
    permission = serializers.CharField(help_text="codename, e.g. view_clock")
    reason = serializers.CharField()
    valid_from = serializers.DateField(required=False, allow_null=True, default=None)
    valid_to = serializers.DateField()


@extend_schema_view(
    list=extend_schema(
        summary="Object grants in your scope, newest first",
        parameters=[
            OpenApiParameter("status", str, enum=ObjectGrant.Status.values),
            OpenApiParameter("user", str, description="username"),
        ],
    ),
    retrieve=extend_schema(summary="One object grant"),
)
class ObjectGrantViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ObjectGrantSerializer
    permission_classes = [IsAuthenticated, CanList]
    list_permission = "access.view_objectgrant"
    filter_backends: list = []
    pagination_class = NewestFirst
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        rows = restrict(ObjectGrant.objects.select_related("user", "permission__content_type"), self.request.user)
        params = self.request.query_params
        if params.get("status"):
            rows = rows.filter(status=params["status"])
        if params.get("user"):
            rows = rows.filter(user__username=params["user"])
        return rows

    def _answer(self, grant: ObjectGrant, code=status.HTTP_200_OK) -> Response:
        return Response(ObjectGrantSerializer(self.get_queryset().get(pk=grant.pk)).data, status=code)

    @_command("Request one permission on one object for a user (takes effect when another access administrator "
              "approves)", ObjectGrantRequestSerializer, ObjectGrantSerializer)  # fmt: skip
    @action(detail=False, methods=["post"], url_path="request", url_name="request")
    def request_grant(self, request, *args, **kwargs):
        # Refuse before reading the body: a caller without the permission learns nothing from 400s.
        require(request.user, "access.add_objectgrant", _("Your role may not request object grants."))
        data = ObjectGrantRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = object_grants.object_grant_request(actor=request.user, **data.validated_data)
        return self._answer(grant, status.HTTP_201_CREATED)

    @_command("Approve a requested object grant (not the maker, not the grantee)", GrantNoteSerializer,
              ObjectGrantSerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        data = GrantNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = object_grants.object_grant_approve(actor=request.user, grant=self.get_object(), **data.validated_data)
        return self._answer(grant)

    @_command("Refuse a requested object grant, with a note", GrantNoteSerializer, ObjectGrantSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request, *args, **kwargs):
        data = GrantNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = object_grants.object_grant_refuse(actor=request.user, grant=self.get_object(), **data.validated_data)
        return self._answer(grant)

    @_command("Revoke an active object grant now, with a reason", GrantReasonSerializer, ObjectGrantSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        data = GrantReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = object_grants.object_grant_revoke(actor=request.user, grant=self.get_object(), **data.validated_data)
        return self._answer(grant)
