"""/api/v1/aml/screening/: the hits (a list an integrator or a case system reads) and a
``POST screen`` of one name for an onboarding check (nothing stored)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.screening import selectors, services
from compliance.screening.models import ScreeningHit
from insurer.pagination import ApiCursorPagination


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
