"""What the clocks app contributes at start-up: role permissions and menu entries."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from insurer import navigation, roles

VIEW = ["clocks.view_clock", "clocks.view_clockrule", "clocks.view_clockbreach"]
CHANGE = ["clocks.change_clock"]
SIGNOFF = ["clocks.signoff_breach"]

# Who runs clocks on their own work (start, pause, resume, stop, explain a breach).
OPERATORS = (
    "claims_handler",
    "claims_supervisor",
    "compliance_officer",
    "aml_analyst",
    "mlro",
    "service_agent",
    "service_supervisor",
    "risk_officer",
)
# Who signs off a breach explanation written by someone else.
SIGNERS = ("cro", "compliance_officer", "claims_supervisor", "service_supervisor", "mlro")


def permissions_by_role() -> dict[str, list[str]]:
    grants: dict[str, list[str]] = {}
    for role in roles.CATALOGUE:
        if role.body in (roles.MANAGEMENT, roles.OVERSIGHT):
            grants[role.code] = list(VIEW)
    for code in OPERATORS:
        grants[code] += CHANGE
    for code in SIGNERS:
        grants[code] += SIGNOFF
    return grants


def register_all() -> None:
    roles.contribute(permissions_by_role())
    section = _("Controls")
    navigation.register(
        navigation.NavItem("clocks", _("Regulatory clocks"), "clocks:list", "clocks.view_clock", section, 410)
    )
    navigation.register(
        navigation.NavItem(
            "clock_breaches", _("Breach register"), "clocks:breaches", "clocks.view_clockbreach", section, 411
        )
    )
    navigation.register(
        navigation.NavItem("clock_rules", _("Clock rules"), "clocks:rules", "clocks.view_clockrule", section, 412)
    )
