"""The retention schedule with legal hold: nothing under retention can be deleted.

retain_until = max(relationship end or transaction + the period in force, open
investigations), and a legal hold keeps everything of its customer until lifted
(shared/spec/regulation-aml.md). The periods are ``RetentionRule`` rows (versioned, with
their source). ``record_delete`` is the only way to delete a customer or policy on purpose
(permission, audit); the ``pre_delete`` guard refuses every other deletion of a record under
retention, whoever asks. Bulk wipes of the demo book go through raw SQL and are not deletions
of records (customers.demo.store.wipe).

Book transactions are deleted only by ``record_delete`` (the retention purge): on PostgreSQL a
row trigger (migration compliance.0003) refuses any other DELETE, ORM or raw SQL, unless the
purge has set ``insurer.retention_purge`` for its transaction; elsewhere (SQLite) a
``pre_delete`` guard does the same for the ORM. No signal on PostgreSQL: a pre_delete receiver
makes Django delete row by row, one query each, where it would otherwise issue one DELETE.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.holds.models import LegalHold, Restriction, RetentionRule
from customers.models import Customer, Policy, PolicyTransaction
from insurer import audit
from insurer.access import require


class UnderRetention(PermissionDenied):
    """A deletion refused: the record is under retention or a legal hold."""


@dataclass
class Retention:
    until: dt.date | None  # None: kept while something is open (relationship, hold, investigation)
    reasons: list[str] = field(default_factory=list)

    def keeps(self, on: dt.date) -> bool:
        return self.until is None or on <= self.until


def _years(record_class: str, on: dt.date) -> int:
    rule = RetentionRule.objects.filter(record_class=record_class, effective_from__lte=on).order_by("-version").first()
    if rule is None:
        raise PermissionDenied(_("No retention rule in force for %(cls)s records.") % {"cls": record_class})
    return rule.years


def _plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _open_matters(customer_ids: set[int], policy_ids: set[int]) -> list[str]:
    reasons = []
    holds = LegalHold.objects.filter(customer_id__in=customer_ids, lifted_at__isnull=True).values_list("pk", flat=True)
    reasons += [_("legal hold #%(id)s") % {"id": pk} for pk in holds]
    open_restrictions = Restriction.objects.filter(
        Q(customer_id__in=customer_ids) | Q(policy_id__in=policy_ids), lifted_at__isnull=True
    ).values_list("pk", flat=True)
    reasons += [_("open investigation (restriction #%(id)s)") % {"id": pk} for pk in open_restrictions]
    return reasons


def _relationship(policies) -> tuple[dt.date | None, list[str]]:
    """When the relationship of these policies ended (None while one is in force)."""
    ends = []
    for p in policies:
        if p.status == Policy.Status.IN_FORCE or p.status_date is None:
            return None, [_("policy %(ref)s in force") % {"ref": p.policy_ref}]
        ends.append(p.status_date)
    last_txn = PolicyTransaction.objects.filter(policy__in=policies).aggregate(t=Max("timestamp"))["t"]
    if last_txn is not None:
        ends.append(timezone.localdate(last_txn))
    return (max(ends) if ends else None), []


def retention_of(record) -> Retention:
    """Why and until when ``record`` (a Customer, Policy or PolicyTransaction) is kept."""
    today = timezone.localdate()
    if isinstance(record, PolicyTransaction):
        policies = [record.policy]
        customers = {record.policy.policyholder_id, record.policy.insured_id}
        txn_until = _plus_years(timezone.localdate(record.timestamp), _years("transaction", today))
    elif isinstance(record, Policy):
        policies, customers, txn_until = [record], {record.policyholder_id, record.insured_id}, None
    elif isinstance(record, Customer):
        policies = list(Policy.objects.filter(Q(policyholder=record) | Q(insured=record)))
        customers, txn_until = {record.pk}, None
    else:
        return Retention(until=dt.date.min)
    reasons = _open_matters(customers, {p.pk for p in policies})
    if isinstance(record, Customer) and not policies:
        end, open_reasons = timezone.localdate(record.created_at), []
    else:
        end, open_reasons = _relationship(policies)
    reasons += open_reasons
    if reasons or end is None:
        return Retention(until=None, reasons=reasons)
    until = _plus_years(end, _years("cdd", today))
    if txn_until is not None:
        until = max(until, txn_until)
    return Retention(until=until, reasons=[_("kept until %(date)s") % {"date": until.isoformat()}])


def guard_delete(sender, instance, **kwargs) -> None:
    """pre_delete: refuse deleting a record under retention (every path, not only the service)."""
    kept = retention_of(instance)
    if kept.keeps(timezone.localdate()):
        raise UnderRetention(
            _("%(record)s is under retention and may not be deleted: %(why)s")
            % {"record": instance, "why": "; ".join(kept.reasons) or _("retention in force")}
        )


PURGE_SETTING = "insurer.retention_purge"  # read by the PostgreSQL trigger (migration compliance.0003)
_purging: ContextVar[bool] = ContextVar("retention_purging", default=False)


@contextmanager
def _purge():
    """The purge's permit, for this transaction only: the trigger's setting on PostgreSQL
    (set_config(..., true) ends with the transaction whatever happens), a context flag for the
    pre_delete guard elsewhere. Only record_delete opens it, after checking the retention."""
    token = _purging.set(True)
    postgres = connection.vendor == "postgresql"
    try:
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [PURGE_SETTING])
        yield
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, '', true)", [PURGE_SETTING])
    finally:
        _purging.reset(token)


def guard_transaction_delete(sender, instance, **kwargs) -> None:
    """pre_delete on book transactions where the database has no trigger (SQLite): deleted only
    by the purge, which has checked the retention."""
    if _purging.get():
        return
    kept = retention_of(instance)
    if kept.keeps(timezone.localdate()):
        raise UnderRetention(
            _("%(record)s is under retention and may not be deleted: %(why)s")
            % {"record": instance, "why": "; ".join(kept.reasons) or _("retention in force")}
        )
    raise UnderRetention(
        _("%(record)s is past its retention; book transactions are deleted only through the retention purge.")
        % {"record": instance}
    )


def guard_compliance_record(sender, instance, **kwargs) -> None:
    """pre_delete: restrictions and legal holds are the investigation's own record: never deleted."""
    raise UnderRetention(_("%(record)s is a compliance record and is never deleted.") % {"record": instance})


def connect() -> None:
    """Register the guards (HoldsConfig.ready). Book transactions: the database trigger on
    PostgreSQL, this pre_delete guard elsewhere (see the module docstring)."""
    from django.db.models.signals import pre_delete

    for model in (Customer, Policy):
        pre_delete.connect(guard_delete, sender=model, dispatch_uid=f"retention-{model._meta.label}")
    if connection.vendor != "postgresql":
        pre_delete.connect(guard_transaction_delete, sender=PolicyTransaction, dispatch_uid="retention-transaction")
    from compliance.models import Alert, AlertSnooze, Case, CaseEvent, LargeValueReport, SuspiciousTransactionReport

    # The AML investigation's own records are kept like restrictions: alerts with their
    # explanations, cases and their timelines, snoozes, suspicious and large-value reports (the
    # regulator may ask for any of them for 10 years; no purge of them is built, so none is
    # deleted). An alert's rule rows are derived from its explanation and are rewritten on update.
    kept = (Restriction, LegalHold, Alert, AlertSnooze, Case, CaseEvent, SuspiciousTransactionReport, LargeValueReport)
    for model in kept:
        pre_delete.connect(guard_compliance_record, sender=model, dispatch_uid=f"retention-{model._meta.label}")


@transaction.atomic
def record_delete(*, actor, record, reason: str) -> None:
    """Delete a customer, policy or book transaction past its retention, on purpose (the
    retention purge). Checks ``compliance_holds.delete_expired_record``, a reason, and the
    retention (anything still kept is refused); writes an audit event with what was deleted."""
    require(actor, "compliance_holds.delete_expired_record", _("Your role may not delete book records."))
    if not (reason or "").strip():
        raise PermissionDenied(_("A reason is required."))
    kept = retention_of(record)
    if kept.keeps(timezone.localdate()):
        raise UnderRetention(
            _("%(record)s is under retention and may not be deleted: %(why)s")
            % {"record": record, "why": "; ".join(kept.reasons) or _("retention in force")}
        )
    label = f"{record._meta.app_label}.{record._meta.model_name}"
    pk, shown = str(record.pk), str(record)
    with _purge():
        record.delete()
    audit.record_change(actor=actor, action="record_delete", obj_type=label, obj_id=pk, object_repr=shown,
                        reason=reason.strip())  # fmt: skip


@transaction.atomic
def legal_hold_place(*, actor, customer, reason: str, reference: str = "") -> LegalHold:
    """Place a legal hold (``compliance_holds.add_legalhold``: MLRO, compliance officer); audited."""
    require(actor, "compliance_holds.add_legalhold", _("Your role may not place a legal hold."))
    if not (reason or "").strip():
        raise PermissionDenied(_("A reason is required."))
    hold = LegalHold.objects.create(customer=customer, reason=reason.strip(), reference=reference.strip(),
                                    placed_by=actor, placed_at=timezone.now())  # fmt: skip
    audit.record_change(actor=actor, action="legal_hold_place", obj_type="compliance_holds.legalhold",
                        obj_id=str(hold.pk), object_repr=str(hold), reason=hold.reason,
                        after={"customer": customer.customer_ref, "reference": hold.reference})  # fmt: skip
    return hold


@transaction.atomic
def legal_hold_lift(*, actor, hold: LegalHold, reason: str) -> LegalHold:
    """Lift a legal hold (``compliance_holds.change_legalhold``), never by the one who placed it; audited."""
    require(actor, "compliance_holds.change_legalhold", _("Your role may not lift a legal hold."))
    if hold.placed_by_id == getattr(actor, "pk", None):
        raise PermissionDenied(_("You placed this legal hold: a second person must lift it."))
    if not (reason or "").strip():
        raise PermissionDenied(_("A reason is required."))
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if hold.lifted_at is not None:  # lifting twice would overwrite who lifted it and when
        raise ValidationError(_("This legal hold was already lifted."))
    hold.lifted_by, hold.lifted_at = actor, timezone.now()
    hold.save(update_fields=["lifted_by", "lifted_at"])
    audit.record_change(actor=actor, action="legal_hold_lift", obj_type="compliance_holds.legalhold",
                        obj_id=str(hold.pk), object_repr=str(hold), reason=reason.strip())  # fmt: skip
    return hold
