"""Permission-matrix endpoints of access, the ledger, notifications and the home page."""

from __future__ import annotations

import datetime as dt

from insurer.testing.matrix import WRITE, Endpoint


def world(builders) -> dict:
    from django.contrib.auth import get_user_model

    from insurer import audit
    from insurer.access.models import ObjectGrant, RoleGrant, SodException

    subject = get_user_model().objects.create_user(username="matrix-subject", password="x-pass-12345")
    grant = RoleGrant.objects.create(user=subject, role="actuary", valid_from=dt.date.today(), reason="matrix",
                                     requested_by="matrix-maker")  # fmt: skip
    exception = SodException.objects.create(user=subject, role="underwriter", other_role="claims_handler",
                                            reason="r", compensating_controls="c", requested_by="matrix-maker",
                                            valid_to=dt.date.today() + dt.timedelta(days=30))  # fmt: skip
    event = audit.record_change(actor=None, action="matrix", obj_type="test.thing", obj_id="1")
    from django.contrib.auth.models import Permission

    object_grant = ObjectGrant.objects.create(
        user=subject, permission=Permission.objects.get(content_type__app_label="access", codename="view_rolegrant"),
        object_pk=str(grant.pk), object_repr=str(grant), valid_from=dt.date.today(), valid_to=dt.date.today(),
        reason="matrix", requested_by="matrix-maker")  # fmt: skip
    return {"grant": grant, "exception": exception, "event": event, "object_grant": object_grant}


V_GRANT = "access.view_rolegrant"
V_EXC = "access.view_sodexception"
V_OBJ = "access.view_objectgrant"
ENDPOINTS = [
    Endpoint("home", lambda w: "/", None),
    Endpoint("notifications:list", lambda w: "/notifications/", None),
    # Marking one's own notifications read is personal state, open to every signed-in user.
    Endpoint("notifications:read", lambda w: "/notifications/read/", None, method="post", ok=frozenset({302})),
    Endpoint("access:my_roles", lambda w: "/access/me/", None),
    Endpoint("access:grant_list", lambda w: "/access/grants/", V_GRANT),
    Endpoint("access:grant_request", lambda w: "/access/grants/request/", "access.add_rolegrant", kind=WRITE,
             ok=frozenset({200})),
    Endpoint("access:grant_detail", lambda w: f"/access/grants/{w['grant'].pk}/", V_GRANT, object_permission=V_GRANT),
    Endpoint("access:grant_approve", lambda w: f"/access/grants/{w['grant'].pk}/approve/", "access.approve_rolegrant",
             kind=WRITE, method="post", object_permission=V_GRANT),
    Endpoint("access:grant_refuse", lambda w: f"/access/grants/{w['grant'].pk}/refuse/", "access.approve_rolegrant",
             kind=WRITE, method="post", object_permission=V_GRANT, data=lambda w: {"note": "no"}),
    Endpoint("access:grant_revoke", lambda w: f"/access/grants/{w['grant'].pk}/revoke/", "access.change_rolegrant",
             kind=WRITE, method="post", object_permission=V_GRANT, data=lambda w: {"note": "left"}),
    Endpoint("access:sod_matrix", lambda w: "/access/sod/", "access.view_incompatibleduty"),
    Endpoint("access:sod_exception_request", lambda w: "/access/sod/exceptions/", "access.add_sodexception",
             kind=WRITE, method="post"),
    Endpoint("access:sod_exception_decide", lambda w: f"/access/sod/exceptions/{w['exception'].pk}/decide/",
             "access.approve_sodexception", kind=WRITE, method="post", object_permission="access.view_sodexception",
             data=lambda w: {"decision": "refuse"}),
    Endpoint("access-grant-list", lambda w: "/api/v1/access/grants/", V_GRANT, api=True),
    Endpoint("access-grant-detail", lambda w: f"/api/v1/access/grants/{w['grant'].pk}/", V_GRANT, api=True,
             object_permission=V_GRANT),
    Endpoint("access-grant-request", lambda w: "/api/v1/access/grants/request/", "access.add_rolegrant",
             kind=WRITE, method="post", api=True, content_type="application/json"),
    Endpoint("access-grant-approve", lambda w: f"/api/v1/access/grants/{w['grant'].pk}/approve/",
             "access.approve_rolegrant", kind=WRITE, method="post", api=True, object_permission=V_GRANT,
             content_type="application/json"),
    Endpoint("access-grant-refuse", lambda w: f"/api/v1/access/grants/{w['grant'].pk}/refuse/",
             "access.approve_rolegrant", kind=WRITE, method="post", api=True, object_permission=V_GRANT,
             data=lambda w: {"note": "no"}, content_type="application/json"),
    Endpoint("access-grant-revoke", lambda w: f"/api/v1/access/grants/{w['grant'].pk}/revoke/",
             "access.change_rolegrant", kind=WRITE, method="post", api=True, object_permission=V_GRANT,
             data=lambda w: {"reason": "left"}, content_type="application/json"),
    Endpoint("access-sod-exception-list", lambda w: "/api/v1/access/sod-exceptions/", V_EXC, api=True),
    Endpoint("access-sod-exception-detail", lambda w: f"/api/v1/access/sod-exceptions/{w['exception'].pk}/", V_EXC,
             api=True, object_permission=V_EXC),
    Endpoint("access-sod-exception-request", lambda w: "/api/v1/access/sod-exceptions/request/",
             "access.add_sodexception", kind=WRITE, method="post", api=True, content_type="application/json"),
    Endpoint("access-sod-exception-approve", lambda w: f"/api/v1/access/sod-exceptions/{w['exception'].pk}/approve/",
             "access.approve_sodexception", kind=WRITE, method="post", api=True, object_permission=V_EXC,
             content_type="application/json"),
    Endpoint("access-sod-exception-refuse", lambda w: f"/api/v1/access/sod-exceptions/{w['exception'].pk}/refuse/",
             "access.approve_sodexception", kind=WRITE, method="post", api=True, object_permission=V_EXC,
             data=lambda w: {"note": "no"}, content_type="application/json"),
    Endpoint("access:object_grant_list", lambda w: "/access/object-grants/", V_OBJ),
    Endpoint("access:object_grant_request", lambda w: "/access/object-grants/request/", "access.add_objectgrant",
             kind=WRITE, ok=frozenset({200})),
    Endpoint("access:object_grant_detail", lambda w: f"/access/object-grants/{w['object_grant'].pk}/", V_OBJ,
             object_permission=V_OBJ),
    Endpoint("access:object_grant_approve", lambda w: f"/access/object-grants/{w['object_grant'].pk}/approve/",
             "access.approve_objectgrant", kind=WRITE, method="post", object_permission=V_OBJ),
    Endpoint("access:object_grant_refuse", lambda w: f"/access/object-grants/{w['object_grant'].pk}/refuse/",
             "access.approve_objectgrant", kind=WRITE, method="post", object_permission=V_OBJ,
             data=lambda w: {"note": "no"}),
    Endpoint("access:object_grant_revoke", lambda w: f"/access/object-grants/{w['object_grant'].pk}/revoke/",
             "access.change_objectgrant", kind=WRITE, method="post", object_permission=V_OBJ,
             data=lambda w: {"note": "done"}),
    Endpoint("access-object-grant-list", lambda w: "/api/v1/access/object-grants/", V_OBJ, api=True),
    Endpoint("access-object-grant-detail", lambda w: f"/api/v1/access/object-grants/{w['object_grant'].pk}/", V_OBJ,
             api=True, object_permission=V_OBJ),
    Endpoint("access-object-grant-request", lambda w: "/api/v1/access/object-grants/request/",
             "access.add_objectgrant", kind=WRITE, method="post", api=True, content_type="application/json"),
    Endpoint("access-object-grant-approve", lambda w: f"/api/v1/access/object-grants/{w['object_grant'].pk}/approve/",
             "access.approve_objectgrant", kind=WRITE, method="post", api=True, object_permission=V_OBJ,
             content_type="application/json"),
    Endpoint("access-object-grant-refuse", lambda w: f"/api/v1/access/object-grants/{w['object_grant'].pk}/refuse/",
             "access.approve_objectgrant", kind=WRITE, method="post", api=True, object_permission=V_OBJ,
             data=lambda w: {"note": "no"}, content_type="application/json"),
    Endpoint("access-object-grant-revoke", lambda w: f"/api/v1/access/object-grants/{w['object_grant'].pk}/revoke/",
             "access.change_objectgrant", kind=WRITE, method="post", api=True, object_permission=V_OBJ,
             data=lambda w: {"reason": "done"}, content_type="application/json"),
    Endpoint("ledger:event_list", lambda w: "/ledger/", "ledger.view_auditevent"),
    Endpoint("ledger:event_detail", lambda w: f"/ledger/events/{w['event'].pk}/", "ledger.view_auditevent"),
    Endpoint("ledger:object_history", lambda w: "/ledger/history/test.thing/1/", "ledger.view_auditevent"),
    Endpoint("ledger:verify", lambda w: "/ledger/verify/", "ledger.verify_ledger"),
    Endpoint("ledger:export", lambda w: "/ledger/export.csv", "ledger.export_ledger"),
    Endpoint("ledger:checkpoints_export", lambda w: "/ledger/checkpoints.jsonl", "ledger.export_ledger"),
]  # fmt: skip
