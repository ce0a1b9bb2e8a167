"""What the approvals app contributes at start-up: role permissions and menu entries."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from insurer import navigation, roles

VIEW = ["approvals.view_approvalrequest", "approvals.view_authorisationmatrix", "approvals.view_delegation"]
SUBMIT = "approvals.add_approvalrequest"
DECIDE = "approvals.decide_approvalrequest"
DELEGATE = "approvals.add_delegation"
PROPOSE = "approvals.propose_authorisationmatrix"

# Roles that never submit or decide: IT and access administration (they run the system,
# not the business), and the integrator system account decides nothing.
NOT_MAKERS = {"it_admin", "access_admin"}
NOT_DECIDERS = {"it_admin", "access_admin", "integrator"}
PROPOSERS = ("cro", "compliance_officer", "executive", "board_secretary")


def permissions_by_role() -> dict[str, list[str]]:
    grants: dict[str, list[str]] = {}
    for role in roles.CATALOGUE:
        perms = list(VIEW)
        if not role.read_only:
            if role.code not in NOT_MAKERS:
                perms.append(SUBMIT)
            if role.code not in NOT_DECIDERS:
                perms += [DECIDE, DELEGATE]
            if role.code in PROPOSERS:
                perms.append(PROPOSE)
        grants[role.code] = perms
    return grants


def register_all() -> None:
    roles.contribute(permissions_by_role())
    section = _("Controls")
    for key, label, url_name, permission, order in [
        ("approvals_queue", _("My approvals"), "approvals:queue", DECIDE, 400),
        ("approvals_mine", _("My requests"), "approvals:mine", SUBMIT, 401),
        ("approvals_all", _("Approval requests"), "approvals:list", "approvals.view_approvalrequest", 402),
        ("approvals_delegations", _("Delegations"), "approvals:delegations", "approvals.view_delegation", 403),
        ("approvals_matrix", _("Authorisation matrix"), "approvals:matrix", "approvals.view_authorisationmatrix", 404),
    ]:
        navigation.register(navigation.NavItem(key, label, url_name, permission, section, order))
