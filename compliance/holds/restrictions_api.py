"""/api/v1/aml/restrictions/: the API twin of the holds screens. A payment system reads what
is held or frozen; analysts and the MLRO place and lift through the same services as the
screens (permission checked before the body is read, the placer never lifts, audited).
Out of scope is 404; bad input is 400 naming the field."""

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

from compliance.holds import selectors, services
from compliance.holds.models import Restriction
from customers.models import Customer, Policy
from insurer.access import get_for_user, require
from insurer.access.grants import holds_read_only_role
from insurer.pagination import ApiCursorPagination

VIEW = "compliance_holds.view_restriction"
REFUSALS = {
    403: OpenApiResponse(description="Refused: permission (only the MLRO freezes), the placer lifting, oversight."),
    400: OpenApiResponse(description="Invalid input (named by field), or already active / already lifted."),
    404: OpenApiResponse(description="Absent or out of scope."),
}
FILTERS = [
    OpenApiParameter("state", OpenApiTypes.STR, enum=["active", "lifted", "all"], description="default: active"),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=Restriction.Kind.values),
    OpenApiParameter("ref", OpenApiTypes.STR, description="a policy_ref or customer_ref"),
]


class RestrictionSerializer(serializers.ModelSerializer):
    policy_ref = serializers.CharField(source="policy.policy_ref", default=None)
    customer_ref = serializers.CharField(source="customer.customer_ref", default=None)
    placed_by = serializers.CharField(source="placed_by.username")
    lifted_by = serializers.CharField(source="lifted_by.username", default=None)
    active = serializers.BooleanField()

    class Meta:
        model = Restriction
        fields = ["id", "kind", "policy_ref", "customer_ref", "source", "source_ref", "reason", "placed_by",
                  "placed_at", "active", "lifted_by", "lifted_at", "lift_reason"]  # fmt: skip


class PlaceRequest(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Restriction.Kind.values)
    target_ref = serializers.CharField(max_length=40, help_text="a policy_ref or a customer_ref")
    source = serializers.ChoiceField(choices=Restriction.Source.values, default=Restriction.Source.MANUAL)
    source_ref = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=4000)

    def validate_target_ref(self, ref: str) -> str:
        ref = ref.strip()
        policy = Policy.objects.filter(policy_ref=ref).first()
        customer = None if policy else Customer.objects.filter(customer_ref=ref).first()
        if policy is None and customer is None:
            raise serializers.ValidationError(_("No policy or customer has this ref."))
        self.target = {"policy": policy, "customer": customer}
        return ref


class LiftRequest(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


class Newest(ApiCursorPagination):
    ordering = ("-placed_at", "-id")


@extend_schema_view(
    list=extend_schema(summary="Payout holds and account freezes (active by default)", parameters=FILTERS),
    retrieve=extend_schema(summary="One restriction"),
)
class RestrictionViewSet(ReadOnlyModelViewSet):
    serializer_class = RestrictionSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = Newest
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Restriction.objects.none()
        if self.action == "list":
            if not self.request.user.has_perm(VIEW):
                raise PermissionDenied(_("Your role may not list payout holds and freezes."))
            p = self.request.query_params
            state = p.get("state", "active")
            return selectors.restriction_list(self.request.user, state=state, kind=p.get("kind", ""),
                                              ref=p.get("ref", "").strip()[:40])  # fmt: skip
        return selectors.restriction_list(self.request.user)

    def get_object(self):
        return get_for_user(selectors.restriction_list(self.request.user), self.request.user, pk=self.kwargs["pk"])

    def _one(self, restriction, code=status.HTTP_200_OK) -> Response:
        fresh = selectors.restriction_list(self.request.user).get(pk=restriction.pk)
        return Response(RestrictionSerializer(fresh).data, status=code)

    @extend_schema(summary="Place a payout hold (analyst, MLRO) or an account freeze (MLRO only)",
                   request=PlaceRequest, responses={201: RestrictionSerializer, **REFUSALS})  # fmt: skip
    def create(self, request, *args, **kwargs):
        user = request.user
        may = user.has_perm("compliance_holds.place_hold") or user.has_perm("compliance_holds.place_freeze")
        if not may or holds_read_only_role(user):
            raise PermissionDenied(_("Your role may not place payout holds or freezes."))
        data = PlaceRequest(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        placed = services.restriction_place(actor=user, kind=v["kind"], reason=v["reason"], source=v["source"],
                                            source_ref=v["source_ref"], **data.target)  # fmt: skip
        return self._one(placed, status.HTTP_201_CREATED)

    @extend_schema(summary="Lift a restriction (a second reviewer; a freeze only by the MLRO)",
                   request=LiftRequest, responses={200: RestrictionSerializer, **REFUSALS})  # fmt: skip
    @action(detail=True, methods=["post"])
    def lift(self, request, *args, **kwargs):
        restriction = self.get_object()
        require(
            request.user, f"compliance_holds.lift_{restriction.kind}", _("Your role may not lift this restriction.")
        )
        data = LiftRequest(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.restriction_lift(actor=request.user, restriction=restriction,
                                         reason=data.validated_data["reason"])  # fmt: skip
        return self._one(done)
