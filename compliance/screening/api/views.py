"""/api/v1/aml/screening/: the hits (a list an integrator or a case system reads), one hit,
the API twins of the hit screens' dispositions (``review``: an analyst's true / false match
with the reason; ``confirm``: the MLRO's confirmation or rejection of a proposed true match,
never their own), each calling its service, and a ``POST screen`` of one name for an
onboarding check (nothing stored)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.screening import selectors, services
from compliance.screening.models import ScreeningHit
from insurer.access import get_for_user, require
from insurer.pagination import ApiCursorPagination

P = "compliance_screening."
REFUSALS = {
    403: OpenApiResponse(description="Refused: permission, maker-checker (the proposer confirms), oversight."),
    400: OpenApiResponse(description="Invalid input (named by field), or the hit is not in a state to do this."),
    404: OpenApiResponse(description="Absent or out of scope."),
}


class HitSerializer(serializers.ModelSerializer):
    customer_ref = serializers.CharField(source="customer.customer_ref")
    entry_id = serializers.CharField(source="entry.entry_id")
    entry_name = serializers.CharField(source="entry.name")
    watchlist = serializers.CharField(source="entry.watchlist.name")
    sanctioned = serializers.BooleanField(source="entry.is_sanctioned")
    pep = serializers.BooleanField(source="entry.is_pep")

    class Meta:
        model = ScreeningHit
        fields = [
            "id",
            "customer_ref",
            "entry_id",
            "entry_name",
            "watchlist",
            "sanctioned",
            "pep",
            "score",
            "name_score",
            "method",
            "matched_name",
            "second_factor",
            "status",
            "reason",
            "first_seen",
            "last_screened",
        ]


class HitPagination(ApiCursorPagination):
    ordering = "-id"


class HitList(generics.ListAPIView):
    """Screening hits, newest first; ``?status=pending|proposed_true|true_match|false_match``."""

    serializer_class = HitSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = HitPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator, not a user
            return ScreeningHit.objects.none()
        if not self.request.user.has_perm("compliance_screening.view_screeninghit"):
            raise PermissionDenied(_("Your role may not list screening hits."))
        hits = selectors.hits_for(self.request.user)
        status = self.request.query_params.get("status")
        return hits.filter(status=status) if status else hits


class ScreenRequest(serializers.Serializer):
    name = serializers.CharField(max_length=300)
    birth_date = serializers.CharField(required=False, allow_blank=True, max_length=10)
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=40)


class ScreenHit(serializers.Serializer):
    entry_id = serializers.CharField()
    watchlist = serializers.CharField()
    name = serializers.CharField()
    schema = serializers.CharField()
    sanctioned = serializers.BooleanField()
    pep = serializers.BooleanField()
    score = serializers.FloatField()
    name_score = serializers.FloatField()
    method = serializers.CharField()
    matched_name = serializers.CharField()
    second_factor = serializers.CharField()


class ScreenName(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Screen one name against the watch lists",
        description="Chinese-aware matching (Hanzi, pinyin, Traditional/Simplified, reordered, typos) with birth "
        "date and ID number as second factors. Nothing is stored. Requires compliance_screening.screen_name.",
        request=ScreenRequest,
        responses={200: ScreenHit(many=True)},
    )
    def post(self, request, **kwargs):
        data = ScreenRequest(data=request.data)
        data.is_valid(raise_exception=True)
        hits = services.name_screen(actor=request.user, **data.validated_data)
        return Response({"hits": hits, "count": len(hits)})


def _hit(request, pk: int) -> ScreeningHit:
    """The hit, or 404 for a user who may not see it (same lookup as the hit page)."""
    return get_for_user(selectors.hits_for_detail(), request.user, pk=pk)


class HitDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="One screening hit", responses={200: HitSerializer, 404: REFUSALS[404]})
    def get(self, request, pk: int, **kwargs):
        return Response(HitSerializer(_hit(request, pk)).data)


class ReviewRequest(serializers.Serializer):
    disposition = serializers.ChoiceField(choices=[ScreeningHit.Status.TRUE_MATCH, ScreeningHit.Status.FALSE_MATCH])
    reason = serializers.CharField(max_length=2000)


class ConfirmRequest(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["confirm", "reject"])
    reason = serializers.CharField(max_length=2000)


class HitReview(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Review a pending hit: false_match closes it, true_match proposes it to the MLRO",
        description="Requires compliance_screening.review_screeninghit; audited. Same service as the hit page.",
        request=ReviewRequest,
        responses={200: HitSerializer, **REFUSALS},
    )
    def post(self, request, pk: int, **kwargs):
        hit = _hit(request, pk)
        require(request.user, P + "review_screeninghit", _("Your role may not review screening hits."))
        data = ReviewRequest(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.hit_review(actor=request.user, hit=hit, **data.validated_data)
        return Response(HitSerializer(_hit(request, done.pk)).data)


class HitConfirm(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Confirm or reject a proposed true match (MLRO; never the proposer)",
        description="Requires compliance_screening.confirm_screeninghit; audited; a confirmation re-rates the "
        "customer. Same service as the hit page.",
        request=ConfirmRequest,
        responses={200: HitSerializer, **REFUSALS},
    )
    def post(self, request, pk: int, **kwargs):
        hit = _hit(request, pk)
        require(request.user, P + "confirm_screeninghit", _("Only the MLRO confirms a true match."))
        data = ConfirmRequest(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.hit_confirm(
            actor=request.user,
            hit=hit,
            confirm=data.validated_data["decision"] == "confirm",
            reason=data.validated_data["reason"],
        )
        return Response(HitSerializer(_hit(request, done.pk)).data)
