"""Auditor screens: browse and filter the ledger, one object's history, verify, export.
Everything here reads; nothing writes except the export's own audit event."""

from __future__ import annotations

import csv
import json

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from insurer import audit
from insurer.access import require, restrict
from insurer.ledger import signing
from insurer.ledger.filters import AuditEventFilter
from insurer.ledger.models import AuditEvent, Checkpoint
from insurer.ledger.services import checkpoint_export, verify
from insurer.pagination import CappedPaginator

EXPORT_COLUMNS = ["sequence", "recorded_at", "kind", "actor_id", "actor_name", "actor_roles", "action", "object_type",
                  "object_id", "object_repr", "changes", "request_id", "source_address", "reason", "prev_hash",
                  "hash"]  # fmt: skip
# The chain's columns live in the event's ChainLink (empty while it waits for the chainer).
_LINK_COLUMNS = {"sequence": "link__sequence", "prev_hash": "link__prev_hash", "hash": "link__hash"}
_EXPORT_VALUES = [_LINK_COLUMNS.get(name, name) for name in EXPORT_COLUMNS]


def _filtered(request):
    filterset = AuditEventFilter(request.GET, queryset=restrict(AuditEvent.objects.all(), request.user))
    for field in filterset.form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.DateInput):
            widget.input_type = "date"
        widget.attrs["class"] = "form-select form-select-sm" if isinstance(widget, forms.Select) else (
            "form-control form-control-sm")  # fmt: skip
    if filterset.is_bound and not filterset.is_valid():
        return filterset, filterset.queryset.none()
    return filterset, filterset.qs.select_related("link").order_by("-id")


@login_required
def event_list(request):
    require(request.user, "ledger.view_auditevent")
    filterset, events = _filtered(request)
    page = CappedPaginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "ledger/event_list.html", {
        "filter": filterset, "page_obj": page, "query": query.urlencode(),
        "can_export": request.user.has_perm("ledger.export_ledger"),
    })  # fmt: skip


@login_required
def object_history(request, object_type: str, object_id: str):
    require(request.user, "ledger.view_auditevent")
    events = restrict(AuditEvent.objects.all(), request.user).filter(object_type=object_type, object_id=object_id)
    page = CappedPaginator(events.select_related("link").order_by("-id"), 50).get_page(request.GET.get("page"))
    return render(request, "ledger/object_history.html",
                  {"page_obj": page, "object_type": object_type, "object_id": object_id})  # fmt: skip


@login_required
def event_detail(request, pk: int):
    require(request.user, "ledger.view_auditevent")
    from insurer.access import get_for_user

    event = get_for_user(AuditEvent.objects.select_related("link"), request.user, pk=pk)
    changes = json.dumps(event.changes, ensure_ascii=False, indent=2, sort_keys=True)
    return render(request, "ledger/event_detail.html", {"event": event, "changes": changes})


@login_required
@require_http_methods(["GET", "POST"])
def verify_page(request):
    """GET shows the checkpoints and the public key; POST re-walks the chain (it only reads)."""
    require(request.user, "ledger.verify_ledger")
    report = verify() if request.method == "POST" else None
    checkpoints = Checkpoint.objects.order_by("-sequence")[:20]
    return render(request, "ledger/verify.html", {
        "report": report, "checkpoints": checkpoints, "public_key": signing.public_key_b64(),
        "fingerprint": signing.fingerprint(), "events": AuditEvent.objects.count(),
    })  # fmt: skip


class _Echo:
    def write(self, value):
        return value


@login_required
def export_csv(request):
    """The filtered events as CSV, streamed; the export itself is recorded in the ledger."""
    require(request.user, "ledger.export_ledger", _("Your role may not export the audit ledger."))
    _filterset, events = _filtered(request)
    writer = csv.writer(_Echo())
    filters = {k: v for k, v in request.GET.items() if v}

    def rows():
        sent = 0
        yield writer.writerow(EXPORT_COLUMNS)
        for row in events.order_by("id").values_list(*_EXPORT_VALUES).iterator(chunk_size=5000):
            row = list(row)
            row[5] = json.dumps(row[5], ensure_ascii=False)
            row[10] = json.dumps(row[10], ensure_ascii=False, sort_keys=True)
            sent += 1
            yield writer.writerow(row)
        audit.record_export(actor=request.user, obj_type="ledger.auditevent", rows=sent, filters=filters)

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-ledger.csv"'
    return response


@login_required
def checkpoints_export(request):
    """The checkpoints as JSON lines: what an audit committee keeps outside the system."""
    require(request.user, "ledger.export_ledger")
    lines = "".join(json.dumps(checkpoint_export(cp)) + "\n" for cp in Checkpoint.objects.order_by("sequence"))
    audit.record_export(actor=request.user, obj_type="ledger.checkpoint", rows=lines.count("\n"), filters={})
    response = StreamingHttpResponse([lines], content_type="application/x-ndjson")
    response["Content-Disposition"] = 'attachment; filename="ledger-checkpoints.jsonl"'
    return response
