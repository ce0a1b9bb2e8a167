"""Audit hooks every service and selector calls; they append to the hash-chained ledger
(insurer.ledger) in the caller's transaction, so a change and its record commit together.

Also logged to ``insurer.audit`` (stdout in production) for log shipping.
"""

from __future__ import annotations

import logging

from insurer.ledger import services as ledger

logger = logging.getLogger("insurer.audit")


def record_change(*, actor, action: str, obj_type: str, obj_id: str, detail: dict | None = None,
                  before: dict | None = None, after: dict | None = None, object_repr: str = "",
                  reason: str = ""):  # fmt: skip
    changes = dict(detail or {})
    if before is not None:
        changes["before"] = before
    if after is not None:
        changes["after"] = after
    event = ledger.append(kind="change", actor=actor, action=action, object_type=obj_type, object_id=obj_id,
                          object_repr=object_repr, changes=changes, reason=reason)  # fmt: skip
    logger.info("audit event %s: change %s %s:%s by %s", event.pk, action, obj_type, obj_id, event.actor_name)
    return event


def record_changes(changes: list[dict]) -> int:
    """Many change events at once (ledger.append_many): each dict has record_change()'s
    keyword arguments. For services that write rows in bulk and audit each one."""
    events = []
    for c in changes:
        detail = dict(c.get("detail") or {})
        if c.get("before") is not None:
            detail["before"] = c["before"]
        if c.get("after") is not None:
            detail["after"] = c["after"]
        events.append({"kind": "change", "actor": c.get("actor"), "action": c["action"], "object_type": c["obj_type"],
                       "object_id": c["obj_id"], "object_repr": c.get("object_repr", ""), "changes": detail,
                       "reason": c.get("reason", "")})  # fmt: skip
    stored = ledger.append_many(events)
    if stored:
        logger.info("audit events %s..%s: %d changes %s", stored[0].pk, stored[-1].pk, len(stored), events[0]["action"])
    return len(stored)


def record_sensitive_read(*, actor, obj_type: str, obj_id: str, fields: list[str], reason: str = ""):
    event = ledger.append(kind="sensitive_read", actor=actor, action="reveal", object_type=obj_type,
                          object_id=obj_id, changes={"fields": fields}, reason=reason)  # fmt: skip
    logger.info("audit event %s: sensitive read %s:%s by %s", event.pk, obj_type, obj_id, event.actor_name)
    return event


def record_export(*, actor, obj_type: str, rows: int, filters: dict):
    event = ledger.append(kind="export", actor=actor, action="export", object_type=obj_type,
                          changes={"rows": rows, "filters": filters})  # fmt: skip
    logger.info("audit event %s: export %s (%s rows) by %s", event.pk, obj_type, rows, event.actor_name)
    return event
