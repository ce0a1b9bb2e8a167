"""/api/v1/aml/screening/: the hits (a list an integrator or a case system reads), one hit,
the API twins of the hit screens' dispositions (``review``: an analyst's true / false match
with the reason; ``confirm``: the MLRO's confirmation or rejection of a proposed true match,
never their own), each calling its service, and a ``POST screen`` of one name for an
onboarding check (nothing stored). ``customers/<ref>/risk/`` is the twin of the customer risk
profile (rating with reasons and review date, EDD tasks, hits, the ownership look-through);
``edd/<id>/complete/`` records an EDD task's findings."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import BaseParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.screening import selectors, services
from compliance.screening.models import CustomerRiskRating, EddTask, ScreeningHit
from insurer.access import get_for_user, require
from insurer.pagination import ApiCursorPagination


class CSVBody(BaseParser):
    """A raw CSV body (Content-Type: text/csv), handed to the importer as bytes."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        return stream.read()


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


class EddCompleteRequest(serializers.Serializer):
    findings = serializers.CharField(max_length=8000)


class EddSerializer(serializers.ModelSerializer):
    completed_by = serializers.CharField(source="completed_by.username", default=None)

    class Meta:
        model = EddTask
        fields = ["id", "status", "reason", "opened_at", "due", "findings", "completed_by", "completed_at"]


class RatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = CustomerRiskRating
        fields = ["rating", "computed_rating", "previous_rating", "score", "reasons", "computed_at", "review_months",
                  "next_review"]  # fmt: skip


class OwnerSerializer(serializers.Serializer):
    customer_ref = serializers.CharField()
    effective_pct = serializers.FloatField()
    control = serializers.BooleanField()
    depth = serializers.IntegerField()
    named = serializers.BooleanField(help_text="a beneficial owner: 25 per cent or more, or in control")
    nominee = serializers.BooleanField()


class ProfileSerializer(serializers.Serializer):
    customer_ref = serializers.CharField()
    kind = serializers.CharField()
    rating = RatingSerializer(allow_null=True)
    edd_tasks = EddSerializer(many=True)
    hits = HitSerializer(many=True)
    owners = OwnerSerializer(many=True, help_text="organisations: the natural persons found by the look-through")
    ownership_flags = serializers.CharField(help_text="organisations: deep chain, cycle, nominee, nobody named")


class CustomerRisk(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="A customer's risk profile (the twin of the profile page)",
                   responses={200: ProfileSerializer, 403: REFUSALS[403], 404: REFUSALS[404]})  # fmt: skip
    def get(self, request, ref: str, **kwargs):
        from compliance.screening import ownership_view

        require(request.user, P + "view_customerriskrating", _("Your role may not see customer risk profiles."))
        customer = get_for_user(selectors.customers_for_profile(), request.user, customer_ref=ref)
        ownership = ownership_view.for_customer(customer)
        owners = [
            {"customer_ref": o["customer"].customer_ref, **{k: o[k] for k in ("effective_pct", "control", "depth",
                                                                            "named", "nominee")}}
            for o in ownership.get("owners", [])
        ]  # fmt: skip
        body = {
            "customer_ref": customer.customer_ref,
            "kind": customer.kind,
            "rating": CustomerRiskRating.objects.filter(customer=customer).first(),
            "edd_tasks": customer.edd_tasks.select_related("completed_by").order_by("-opened_at"),
            "hits": selectors.hits_for_detail().filter(customer=customer).order_by("-score"),
            "owners": owners,
            "ownership_flags": ownership.get("flags", ""),
        }
        return Response(ProfileSerializer(body).data)


class EddComplete(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Complete an enhanced due diligence task with its findings (AML analyst)",
                   request=EddCompleteRequest, responses={200: EddSerializer, **REFUSALS})  # fmt: skip
    def post(self, request, pk: int, **kwargs):
        task = get_for_user(selectors.edd_for(request.user), request.user, pk=pk)
        require(request.user, P + "complete_eddtask", _("Your role may not complete enhanced due diligence."))
        data = EddCompleteRequest(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.edd_complete(actor=request.user, task=task, findings=data.validated_data["findings"])
        return Response(EddSerializer(done).data)


class WatchlistLoaded(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    version = serializers.IntegerField()
    entries_count = serializers.IntegerField()
    last_changes = serializers.DictField(help_text="new, changed, removed: the entries this load changed")


class WatchlistImport(APIView):
    """The twin of the watch lists page's import form: the same service, all or nothing."""

    permission_classes = [IsAuthenticated]
    parser_classes = [CSVBody, MultiPartParser, JSONParser]

    @extend_schema(
        summary="Load (or reload) a watch list from a CSV, all or nothing",
        description=(
            "The CSV (OpenSanctions targets.simple.csv or our own layout, docs/aml.md) as a text/csv body with the "
            "list's name in `?name=`, multipart with fields `name` and `file`, or JSON `{name, csv}`. Every bad row "
            "is reported with its row and column and nothing is written (the same errors as the page). Entries new, "
            "changed and gone are counted; the book is re-screened against what changed. Requires "
            "compliance_screening.import_watchlist."
        ),
        request={
            "text/csv": OpenApiTypes.STR,
            "multipart/form-data": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "file": {"type": "string", "format": "binary"}},
            },
        },
        parameters=[OpenApiParameter("name", str, description="the list's name (with a text/csv body)")],
        responses={
            201: WatchlistLoaded,
            400: OpenApiResponse(description="Bad rows (row, column, message)"),
            403: OpenApiResponse(description="The role may not load watch lists."),
        },
    )
    def post(self, request, **kwargs):
        # The permission before the body is read: a refused caller's upload is never parsed.
        require(request.user, P + "import_watchlist", _("Your role may not load watch lists."))
        if isinstance(request.data, bytes):
            name, data, source = request.query_params.get("name", ""), request.data, "watchlist.csv"
        else:  # multipart (name, file) or JSON (name, csv: the file's text)
            upload, text = request.data.get("file"), request.data.get("csv")
            if upload is None and not isinstance(text, str):
                raise ValidationError({"file": [_("Choose a CSV file.")]})
            name = request.data.get("name", "")
            data, source = (upload.read(), upload.name) if upload is not None else (text, "watchlist.csv")
        wl = services.watchlist_import(actor=request.user, name=name, data=data, source=source)
        return Response(WatchlistLoaded(wl).data, status=201)
