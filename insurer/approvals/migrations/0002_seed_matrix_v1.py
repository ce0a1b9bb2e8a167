"""The first authorisation matrix (version 1, active).

Amounts in CNY; a row covers [min, max). Levels decide in order; "board" is decided by a
holder of board_member; days are PRC working days per level. ``forbidden`` lists the roles
an approver of that business type must not hold (on top of the incompatible-duties matrix).
The figures are a realistic starting point for a mid-sized life insurer, to be confirmed by
the board when the matrix is first changed through the platform (docs/approvals.md).
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

INF = None
SUP, EXE, BOARD = {"role": "claims_supervisor", "days": 2}, {"role": "executive", "days": 3}, {"body": "board", "days": 10}
SERVICE = {"role": "service_supervisor", "days": 2}
FIN = {"role": "finance_accountant", "days": 3}
CRO = {"role": "cro", "days": 5}
COMPLIANCE = {"role": "compliance_officer", "days": 5}
PAYMENTS = ["payment_officer"]
ROWS = [
    # business type, min, max, levels, must not hold
    ("claim_payout", 0, 50_000, [SUP], ["underwriter"]),
    ("claim_payout", 50_000, 500_000, [SUP, EXE], ["underwriter"]),
    ("claim_payout", 500_000, INF, [SUP, EXE, BOARD], ["underwriter"]),
    ("surrender_payout", 0, 200_000, [SERVICE], PAYMENTS),
    ("surrender_payout", 200_000, INF, [SERVICE, EXE], PAYMENTS),
    ("policy_loan", 0, 100_000, [SERVICE], PAYMENTS),
    ("policy_loan", 100_000, INF, [SERVICE, EXE], PAYMENTS),
    ("refund", 0, 10_000, [{"role": "service_supervisor", "days": 1}], PAYMENTS),
    ("refund", 10_000, INF, [SERVICE, EXE], PAYMENTS),
    ("expense", 0, 50_000, [FIN], PAYMENTS),
    ("expense", 50_000, 1_000_000, [FIN, EXE], PAYMENTS),
    ("expense", 1_000_000, INF, [FIN, EXE, BOARD], PAYMENTS),
    ("contract", 0, 1_000_000, [{"role": "executive", "days": 5}], []),
    ("contract", 1_000_000, INF, [{"role": "executive", "days": 5}, {"body": "board", "days": 15}], []),
    ("investment", 0, 10_000_000, [CRO, {"role": "executive", "days": 5}], []),
    ("investment", 10_000_000, INF, [CRO, {"role": "executive", "days": 5}, {"body": "board", "days": 15}], []),
    ("related_party_transaction", 0, 30_000_000, [COMPLIANCE, {"role": "executive", "days": 5}], []),
    ("related_party_transaction", 30_000_000, INF,
     [COMPLIANCE, {"role": "executive", "days": 5}, {"body": "board", "days": 15}], []),
    ("matrix_change", 0, INF, [CRO, BOARD], []),
]


def forward(apps, schema_editor):
    matrix = apps.get_model("approvals", "AuthorisationMatrix").objects.create(
        version=1, effective_from=dt.date(2026, 1, 1), status="active",
        note="First version, loaded with the platform (docs/approvals.md).",
    )
    rule = apps.get_model("approvals", "MatrixRule")
    for business_type, low, high, levels, forbidden in ROWS:
        rule.objects.create(matrix=matrix, business_type=business_type, min_amount=Decimal(low),
                            max_amount=None if high is None else Decimal(high), levels=levels,
                            forbidden_roles=forbidden)


def backward(apps, schema_editor):
    apps.get_model("approvals", "AuthorisationMatrix").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
