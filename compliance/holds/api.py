"""/api/v1/aml/score: score one new transaction in real time, before it is executed.

The request path is kept lean because the budget is 100 requests/s with p99 <= 100 ms on two
cores (docs/aml.md, "How a request stays cheap"): the token, its user and the grants in
force read in one raw statement; a plainly well-formed transaction read without the
serializer's per-request field copies (anything else goes through the serializer, so every
error message is the serializer's, naming the field).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from compliance.holds.models import Restriction
from compliance.holds.scoring import UnknownPolicy, score_new_transaction
from customers.models import PolicyTransaction
from insurer.access import grants, require
from insurer.access.models import RoleGrant
from insurer.roles import BY_CODE

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


# The well-formed shape the fast reader accepts; anything else is left to the serializer.
_AMOUNT = re.compile(r"\d{1,16}(\.\d{1,2})?")
_CENT = Decimal("0.01")
_REQUIRED = {"txn_ref": 40, "policy_ref": 40}
_OPTIONAL = {"payer_ref": 40, "payee_ref": 40, "account_ref": 40, "counterparty_country": 2}
_KINDS = frozenset(PolicyTransaction.Kind.values)
_METHODS = frozenset(PolicyTransaction.Method.values)


def _plain(value, limit: int, blank: bool) -> bool:
    """A string CharField keeps as it is: ASCII (no surrogates), no NUL, not padded, short enough."""
    return (
        type(value) is str
        and len(value) <= limit
        and value.isascii()
        and "\x00" not in value
        and value == value.strip()
        and (blank or value != "")
    )


def _well_formed(data) -> dict | None:
    """``data`` as TransactionInSerializer validates it, or None when it is not plainly valid
    (then the serializer decides, with its messages). test_scoring checks the two agree."""
    if type(data) is not dict:  # a form's QueryDict goes to the serializer
        return None
    get = data.get
    kind, method, amount, when = get("kind"), get("method"), get("amount"), get("timestamp")
    currency = get("currency", "CNY")
    if not (type(kind) is str and kind in _KINDS and type(method) is str and method in _METHODS):
        return None
    if not (type(amount) is str and _AMOUNT.fullmatch(amount) and type(when) is str):
        return None
    if not (_plain(currency, 3, False) and all(_plain(get(k), n, False) for k, n in _REQUIRED.items())):
        return None
    if not all(_plain(get(k, ""), n, True) for k, n in _OPTIONAL.items()):
        return None
    try:
        parsed = parse_datetime(when)
    except ValueError:
        return None
    if parsed is None or parsed.tzinfo is None:  # naive: the serializer applies the zone
        return None
    txn = {k: data[k] for k in _REQUIRED}
    txn.update(kind=kind, method=method, currency=currency, amount=Decimal(amount).quantize(_CENT),
               timestamp=parsed.astimezone(timezone.get_current_timezone()))  # fmt: skip
    txn.update((k, get(k, "")) for k in _OPTIONAL)
    return txn


def read_transaction(data) -> dict:
    """The validated transaction, or ValidationError (400) naming each bad field."""
    txn = _well_formed(data)
    if txn is None:
        checked = TransactionInSerializer(data=data)
        checked.is_valid(raise_exception=True)
        txn = dict(checked.validated_data)
    txn["counterparty_country"] = txn["counterparty_country"].upper()
    return txn


class OneQueryTokenAuthentication(TokenAuthentication):
    """DRF's token authentication (same header, same refusals) that reads the token, its
    user and the user's role grants in force today in one raw statement, and hands the grants
    to insurer.access.grants' per-request cache, so the permission chokepoint (``require``)
    checks them without a query of its own. Two ORM queries compiled per request cost
    ~1.2 ms of a ~6 ms request. The in-force condition is grants.in_force_filter's;
    test_scoring checks that the grants read here equal ``roles_held`` for grants of every
    status and date."""

    def authenticate_credentials(self, key):
        users = get_user_model()
        fields = users._meta.concrete_fields
        today = timezone.localdate()
        with connection.cursor() as cursor:
            on = connection.ops.adapt_datefield_value(today)
            cursor.execute(_TOKEN_SQL, [RoleGrant.Status.ACTIVE, on, on, key])
            rows = cursor.fetchall()
        if not rows:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        first = rows[0]
        user = users.from_db(connection.alias, [f.attname for f in fields], first[3 : 3 + len(fields)])
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        setattr(user, grants.CACHE_ATTR, [grants.Held(r[0], r[1]) for r in rows if r[0] in BY_CODE])
        token = Token.from_db(connection.alias, ["key", "user_id", "created"], [key, user.pk, first[2]])
        token.user = user
        return user, token


def _token_sql() -> str:
    quote, users = connection.ops.quote_name, get_user_model()
    columns = ", ".join(f"u.{quote(f.column)}" for f in users._meta.concrete_fields)
    return (
        f"SELECT g.role, g.department_id, t.created, {columns} FROM {quote(Token._meta.db_table)} t "  # noqa: S608
        f"JOIN {quote(users._meta.db_table)} u ON u.{quote(users._meta.pk.column)} = t.user_id "
        f"LEFT JOIN {quote(RoleGrant._meta.db_table)} g ON g.user_id = u.{quote(users._meta.pk.column)} "
        "AND g.status = %s AND g.valid_from <= %s AND (g.valid_to IS NULL OR g.valid_to >= %s) "
        "WHERE t.key = %s"
    )


_TOKEN_SQL = _token_sql()


class ScoreView(APIView):
    # The project's defaults (token or session, signed in; parsers and renderers unchanged),
    # with the token read in one statement; no throttle, as none is configured for users.
    authentication_classes = [OneQueryTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes: list = []

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
        # The same schemes as every other endpoint: OneQueryTokenAuthentication is DRF's token
        # authentication read differently, not a scheme of its own.
        auth=[{"tokenAuth": []}, {"cookieAuth": []}],
        responses={
            200: ScoreOutSerializer,
            400: OpenApiResponse(description="Invalid or unknown policy_ref"),
            403: OpenApiResponse(description="The role may not score transactions"),
        },
    )
    def post(self, request, *args, **kwargs):
        require(request.user, PERMISSION, "Your role may not score transactions.")
        txn = read_transaction(request.data)
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
