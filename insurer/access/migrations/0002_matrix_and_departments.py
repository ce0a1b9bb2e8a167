"""The incompatible-duties matrix (version 1) and a starting set of departments.

Source of the matrix: the operating requirements' key-position checks and balances
(关键岗位制衡机制: 财务核算与资金支付岗位需独立设置；核保与理赔部门保持相互制约；
信息技术管理与业务操作岗位不得兼任) and the three-lines independence of internal audit.
"""

import datetime as dt

from django.db import migrations

SEED = "Operating requirements for life insurers, key-position checks and balances (关键岗位制衡机制)"
MATRIX = [
    ("SOD-1", "internal_auditor", "@management", "internal audit is independent of management",
     "Operating requirements, oversight (监督机制由内部审计部门和监事会构成); IIA independence standard"),
    ("SOD-2", "external_examiner", "@any", "an external examiner holds no internal role", "independence of examiners"),
    ("SOD-3", "finance_accountant", "payment_officer", "accounting vs payment (财务核算与资金支付)", SEED),
    ("SOD-4", "underwriter", "claims_handler", "underwriting vs claims (核保与理赔)", SEED),
    ("SOD-5", "underwriter", "claims_supervisor", "underwriting vs claims (核保与理赔)", SEED),
    ("SOD-6", "it_admin", "@business", "IT administration vs business operation (信息技术管理与业务操作)", SEED),
    ("SOD-7", "access_admin", "@any", "an access administrator holds none of the roles they administer",
     "least privilege; maker-checker on access"),
]  # fmt: skip
DEPARTMENTS = [
    ("BOARD", "董事会 Board of directors", "board"),
    ("EXEC", "管理层 Executive office", "management"),
    ("RISK", "风险管理部 Risk management", "management"),
    ("COMPLIANCE", "合规部 Compliance", "management"),
    ("ACTUARIAL", "精算部 Actuarial", "management"),
    ("CLAIMS", "理赔部 Claims", "management"),
    ("UNDERWRITING", "核保部 Underwriting", "management"),
    ("SERVICE", "客户服务部 Customer service", "management"),
    ("FINANCE", "财务部 Finance", "management"),
    ("IT", "信息技术部 IT", "management"),
    ("AUDIT", "内部审计部 Internal audit", "oversight"),
]


def forward(apps, schema_editor):
    duty = apps.get_model("access", "IncompatibleDuty")
    for code, role, other, description, source in MATRIX:
        duty.objects.create(code=code, version=1, effective_from=dt.date(2026, 1, 1), role=role, other=other,
                            description=description, source=source)  # fmt: skip
    department = apps.get_model("access", "Department")
    for code, name, body in DEPARTMENTS:
        department.objects.create(code=code, name=name, body=body)


def backward(apps, schema_editor):
    apps.get_model("access", "IncompatibleDuty").objects.filter(version=1).delete()
    apps.get_model("access", "Department").objects.filter(code__in=[d[0] for d in DEPARTMENTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("access", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
