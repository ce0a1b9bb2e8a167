"""Audit hooks every service and selector calls.

The hash-chained ledger (PLT-4) replaces the bodies of these functions; the call sites
stay. Until then each event is written to the ``insurer.audit`` logger with the request id,
so nothing that must be audited is silently dropped.
"""

from __future__ import annotations

import json
import logging

from insurer.middleware import current_request_id, current_source_address

logger = logging.getLogger("insurer.audit")


def _emit(kind: str, actor, action: str, obj_type: str, obj_id: str, detail: dict) -> None:
    logger.info(
        json.dumps(
            {
                "kind": kind,
                "actor_id": getattr(actor, "pk", None),
                "actor": getattr(actor, "username", str(actor) if actor else None),
                "action": action,
                "object_type": obj_type,
                "object_id": obj_id,
                "request_id": current_request_id.get(),
                "source_address": current_source_address.get(),
                "detail": detail,
            },
            ensure_ascii=False,
            default=str,
        )
    )


def record_change(*, actor, action: str, obj_type: str, obj_id: str, detail: dict | None = None) -> None:
    _emit("change", actor, action, obj_type, obj_id, detail or {})


def record_sensitive_read(*, actor, obj_type: str, obj_id: str, fields: list[str]) -> None:
    _emit("sensitive_read", actor, "reveal", obj_type, obj_id, {"fields": fields})


def record_export(*, actor, obj_type: str, rows: int, filters: dict) -> None:
    _emit("export", actor, "export", obj_type, "", {"rows": rows, "filters": filters})
