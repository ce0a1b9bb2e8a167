"""What access contributes at start-up: its permissions to roles, and its pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from insurer import navigation, roles

VIEW = [
    "access.view_rolegrant",
    "access.view_department",
    "access.view_incompatibleduty",
    "access.view_sodexception",
    "access.view_objectgrant",
]


def register_all() -> None:
    roles.contribute({
        "access_admin": [*VIEW, "access.add_rolegrant", "access.change_rolegrant", "access.approve_rolegrant",
                         "access.add_sodexception", "access.add_objectgrant", "access.change_objectgrant",
                         "access.approve_objectgrant"],
        "compliance_officer": [*VIEW, "access.approve_rolegrant", "access.approve_sodexception"],
        "cro": VIEW,
        "executive": VIEW,
        "internal_auditor": VIEW,
        "external_examiner": VIEW,
    })  # fmt: skip
    section = _("Access")
    navigation.register(navigation.NavItem("grants", _("Role grants"), "access:grant_list",
                                           "access.view_rolegrant", section, 10))  # fmt: skip
    navigation.register(navigation.NavItem("object_grants", _("Object grants"), "access:object_grant_list",
                                           "access.view_objectgrant", section, 15))  # fmt: skip
    navigation.register(navigation.NavItem("sod", _("Incompatible duties"), "access:sod_matrix",
                                           "access.view_incompatibleduty", section, 20))  # fmt: skip
    navigation.register(navigation.NavItem("my_access", _("My roles"), "access:my_roles", None, _("Me"), 910))
