"""/api/v1/aml/legal-holds/: legal holds (a court or regulator's order keeps everything of a
customer past its retention period) through the same services as the rest of retention
(compliance.holds.retention.legal_hold_place / legal_hold_lift): the permission checked before
the body is read, never lifted by the one who placed it, audited. Out of scope is 404; bad
input is 400 naming the field."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.viewsets import ReadOnlyModelViewSet

from compliance.holds import retention
from compliance.holds.models import LegalHold
from customers.models import Customer
from insurer.access import get_for_user, require, restrict
from insurer.pagination import ApiCursorPagination

P = "compliance_holds."
REFUSALS = {
    403: OpenApiResponse(description="Refused: permission, or the placer lifting (a second person lifts)."),
    400: OpenApiResponse(description="Invalid input (named by field), or already lifted."),
    404: OpenApiResponse(description="Absent or out of scope."),
}


def legal_holds_for(user, *, state: str = "all"):
    rows = restrict(LegalHold.objects.select_related("customer", "placed_by", "lifted_by"), user)
    if state == "active":
        rows = rows.filter(lifted_at__isnull=True)
    elif state == "lifted":
        rows = rows.filter(lifted_at__isnull=False)
    return rows


class LegalHoldSerializer(serializers.ModelSerializer):
    customer_ref = serializers.CharField(source="customer.customer_ref")
    placed_by = serializers.CharField(source="placed_by.username")
    lifted_by = serializers.CharField(source="lifted_by.username", default=None)

    class Meta:
        model = LegalHold
        fields = ["id", "customer_ref", "reason", "reference", "placed_by", "placed_at", "lifted_by", "lifted_at"]


class LegalHoldPlaceRequest(serializers.Serializer):
    customer_ref = serializers.CharField(max_length=40)
    reason = serializers.CharField(max_length=4000)
    reference = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")

    def validate_customer_ref(self, ref: str) -> str:
        self.customer = Customer.objects.filter(customer_ref=ref.strip()).first()
        if self.customer is None:
            raise serializers.ValidationError(_("No customer has this ref."))
        return ref.strip()


class LegalHoldLiftRequest(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


class Newest(ApiCursorPagination):
    ordering = ("-placed_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="Legal holds (active by default)",
        parameters=[OpenApiParameter("state", OpenApiTypes.STR, enum=["active", "lifted", "all"])],
    ),
    retrieve=extend_schema(summary="One legal hold"),
)
class LegalHoldViewSet(ReadOnlyModelViewSet):
    serializer_class = LegalHoldSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = Newest
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LegalHold.objects.none()
        if self.action == "list":
            if not self.request.user.has_perm(P + "view_legalhold"):
                raise PermissionDenied(_("Your role may not list legal holds."))
            return legal_holds_for(self.request.user, state=self.request.query_params.get("state", "active"))
        return legal_holds_for(self.request.user)

    def get_object(self):
        return get_for_user(legal_holds_for(self.request.user), self.request.user, pk=self.kwargs["pk"])

    @extend_schema(summary="Place a legal hold on a customer, with the reason and the order's reference",
                   request=LegalHoldPlaceRequest, responses={201: LegalHoldSerializer, **REFUSALS})  # fmt: skip
    def create(self, request, *args, **kwargs):
        require(request.user, P + "add_legalhold", _("Your role may not place a legal hold."))
        data = LegalHoldPlaceRequest(data=request.data)
        data.is_valid(raise_exception=True)
        hold = retention.legal_hold_place(actor=request.user, customer=data.customer,
                                          reason=data.validated_data["reason"],
                                          reference=data.validated_data["reference"])  # fmt: skip
        return Response(LegalHoldSerializer(hold).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Lift a legal hold (a second person, with the reason)",
                   request=LegalHoldLiftRequest, responses={200: LegalHoldSerializer, **REFUSALS})  # fmt: skip
    @action(detail=True, methods=["post"])
    def lift(self, request, *args, **kwargs):
        hold = self.get_object()
        require(request.user, P + "change_legalhold", _("Your role may not lift a legal hold."))
        data = LegalHoldLiftRequest(data=request.data)
        data.is_valid(raise_exception=True)
        done = retention.legal_hold_lift(actor=request.user, hold=hold, reason=data.validated_data["reason"])
        return Response(LegalHoldSerializer(done).data)
