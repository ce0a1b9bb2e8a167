"""/api/v1/aml/score: score one new transaction in real time, before it is executed."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.holds.models import Restriction
from compliance.holds.scoring import UnknownPolicy, score_new_transaction
from customers.models import PolicyTransaction
from insurer.access import require

PERMISSION = "compliance_holds.score_transaction"


class TransactionInSerializer(serializers.Serializer):
    txn_ref = serializers.CharField(max_length=40)
    policy_ref = serializers.CharField(max_length=40)
    kind = serializers.ChoiceField(choices=PolicyTransaction.Kind.values)
    timestamp = serializers.DateTimeField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0)
    currency = serializers.CharField(max_length=3, required=False, default="CNY")
    method = serializers.ChoiceField(choices=PolicyTransaction.Method.values)
    payer_ref = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    payee_ref = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    account_ref = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    counterparty_country = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")


class RuleFiredSerializer(serializers.Serializer):
    rule_id = serializers.CharField()
    name = serializers.CharField()
    version = serializers.IntegerField()
    weight = serializers.FloatField()
    facts = serializers.ListField(child=serializers.CharField())
    thresholds = serializers.DictField()


class RestrictionOutSerializer(serializers.ModelSerializer):
    policy_ref = serializers.CharField(source="policy.policy_ref", default=None)
    customer_ref = serializers.CharField(source="customer.customer_ref", default=None)

    class Meta:
        model = Restriction
        fields = ["id", "kind", "policy_ref", "customer_ref", "source", "source_ref", "reason", "placed_at"]


class ScoreOutSerializer(serializers.Serializer):
    txn_ref = serializers.CharField()
    score = serializers.FloatField()
    tier = serializers.CharField(help_text="none, review, hold or freeze (the catalogue's tiers)")
    alert_id = serializers.CharField(allow_null=True)
    rules_fired = RuleFiredSerializer(many=True)
    txn_refs = serializers.ListField(child=serializers.CharField(), help_text="the episode's transactions")
    catalogue = serializers.CharField()
    payout_allowed = serializers.BooleanField(allow_null=True, help_text="null when the transaction pays nothing out")
    refusals = serializers.ListField(child=serializers.CharField())
    restriction = RestrictionOutSerializer(allow_null=True)


class ScoreView(APIView):
    @extend_schema(
        summary="Score one transaction in real time",
        description=(
            "Scores a new transaction (interchange columns of transactions.csv) against its customer's history "
            "with the batch's rules L01-L09 and L11 and the catalogue in force. For a payout, surrender, loan or "
            "refund scored at the hold or freeze tier, the restriction is placed on the policy before the payout "
            "is executed; `payout_allowed` says whether it may go ahead now. Requires "
            "compliance_holds.score_transaction (integrator, AML analyst, MLRO)."
        ),
        request=TransactionInSerializer,
        responses={
            200: ScoreOutSerializer,
            400: OpenApiResponse(description="Invalid or unknown policy_ref"),
            403: OpenApiResponse(description="The role may not score transactions"),
        },
    )
    def post(self, request, *args, **kwargs):
        require(request.user, PERMISSION, "Your role may not score transactions.")
        data = TransactionInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        txn = dict(data.validated_data)
        txn["counterparty_country"] = txn["counterparty_country"].upper()
        try:
            result = score_new_transaction(actor=request.user, txn=txn)
        except UnknownPolicy as exc:
            raise serializers.ValidationError({"policy_ref": [str(exc)]}) from None
        alert = result.alert or {}
        explanation = alert.get("explanation") or {}
        return Response(
            {
                "txn_ref": txn["txn_ref"],
                "score": result.score,
                "tier": result.tier,
                "alert_id": alert.get("alert_id"),
                "rules_fired": explanation.get("rules", []),
                "txn_refs": alert.get("txn_refs", []),
                "catalogue": result.catalogue,
                "payout_allowed": (not result.refusals) if result.outgoing else None,
                "refusals": [r.message for r in result.refusals],
                "restriction": RestrictionOutSerializer(result.restriction).data if result.restriction else None,
            }
        )
