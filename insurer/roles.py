"""The catalogue of functional roles, as data.

Each role belongs to one of the three bodies and maps to Django permissions. A user holds a
role through a RoleGrant (insurer.access: validity dates, a scope, maker-checker, the
separation-of-duties matrix); the RoleGrantBackend turns the grants in force into
permissions.

Permission codes name the domain app by label only (strings), so the platform imports no
domain app.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

BOARD, MANAGEMENT, OVERSIGHT = "board", "management", "oversight"
BODIES = {
    BOARD: _("Board and its committees"),
    MANAGEMENT: _("Management"),
    OVERSIGHT: _("Oversight (internal audit, supervisory board, examiners)"),
}

# Permission bundles over the book of business.
BOOK_SUMMARY = ["customers.view_book_summary"]
BOOK_READ = [
    *BOOK_SUMMARY,
    "customers.view_customer",
    "customers.view_beneficialowner",
    "customers.view_product",
    "customers.view_policy",
    "customers.view_policytransaction",
]
PII = ["customers.view_customer_pii"]
EXPORT = ["customers.export_book"]
IMPORT = ["customers.import_book"]


@dataclass(frozen=True)
class Role:
    code: str
    name: str
    body: str
    permissions: tuple[str, ...]
    read_only: bool = False  # oversight roles: every write path refuses them


def _role(code, name, body, perms, read_only=False) -> Role:
    return Role(code, name, body, tuple(dict.fromkeys(perms)), read_only)


CATALOGUE: tuple[Role, ...] = (
    _role("board_member", _("Board member"), BOARD, BOOK_SUMMARY),
    _role("board_secretary", _("Board secretary"), BOARD, BOOK_SUMMARY),
    _role("executive", _("Executive"), MANAGEMENT, BOOK_READ + EXPORT),
    _role("cro", _("Chief risk officer"), MANAGEMENT, BOOK_READ + EXPORT),
    _role("chief_actuary", _("Chief actuary"), MANAGEMENT, BOOK_READ + EXPORT),
    _role("compliance_officer", _("Compliance officer"), MANAGEMENT, BOOK_READ + PII + EXPORT),
    _role("risk_officer", _("Risk officer"), MANAGEMENT, BOOK_READ + EXPORT),
    _role("actuary", _("Actuary"), MANAGEMENT, BOOK_READ + EXPORT),
    _role("aml_analyst", _("AML analyst"), MANAGEMENT, BOOK_READ + PII + EXPORT),
    _role("mlro", _("Money-laundering reporting officer"), MANAGEMENT, BOOK_READ + PII + EXPORT),
    _role("claims_handler", _("Claims handler"), MANAGEMENT, BOOK_READ + PII),
    _role("claims_supervisor", _("Claims supervisor"), MANAGEMENT, BOOK_READ + PII),
    _role("underwriter", _("Underwriter"), MANAGEMENT, BOOK_READ + PII),
    _role("service_agent", _("Customer-service agent"), MANAGEMENT, BOOK_READ + PII),
    _role("service_supervisor", _("Customer-service supervisor"), MANAGEMENT, BOOK_READ + PII + EXPORT),
    _role("finance_accountant", _("Finance accountant"), MANAGEMENT, BOOK_READ),
    _role("payment_officer", _("Payment officer"), MANAGEMENT, BOOK_READ),
    _role("it_admin", _("IT administrator"), MANAGEMENT, []),
    _role("access_admin", _("Access administrator"), MANAGEMENT, []),
    _role("internal_auditor", _("Internal auditor"), OVERSIGHT, BOOK_READ + EXPORT, read_only=True),
    _role("external_examiner", _("External examiner"), OVERSIGHT, BOOK_READ + EXPORT, read_only=True),
    _role("integrator", _("Integrator (system account)"), MANAGEMENT, BOOK_READ + IMPORT),
)
BY_CODE = {r.code: r for r in CATALOGUE}


# Permissions that apps add to roles at start-up (``contribute`` from AppConfig.ready), so a
# new app grants its own permissions without the platform importing it.
_CONTRIBUTED: dict[str, set[str]] = {}


def contribute(permissions_by_role: dict[str, list[str]]) -> None:
    for code, permissions in permissions_by_role.items():
        if code not in BY_CODE:
            raise KeyError(f"unknown role {code!r} in a permission contribution")
        _CONTRIBUTED.setdefault(code, set()).update(permissions)


def permissions_for(role: Role) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*role.permissions, *sorted(_CONTRIBUTED.get(role.code, ()))]))
