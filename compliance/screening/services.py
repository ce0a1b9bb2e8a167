"""Writes of screening and due diligence: watch-list loads, screening the book (at onboarding
and again when a list changes), hit review, risk ratings and enhanced due diligence.

Each command checks its permission (``require``), runs atomically and records an audit
change. Who may do what is decision 0012: analysts review hits; a true match is only
proposed by an analyst and confirmed by the MLRO (maker ≠ checker); watch lists are loaded
by the MLRO or the compliance officer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.screening import watchlists
from compliance.screening.models import (
    CustomerRiskRating,
    CustomerScreening,
    EddTask,
    ScreeningHit,
    Watchlist,
    WatchlistEntry,
)
from insurer import audit, crypto
from insurer.access import require

P = "compliance_screening."
EDD_DUE_DAYS = 30  # an EDD task opened today is due this many days later (house rule)
Status = ScreeningHit.Status

# Sent after the MLRO confirms a true match (kwargs: hit_id, customer_id, sanctioned, pep),
# so monitoring/holds can react without this app importing them.
true_match_confirmed = Signal()


# --- Watch lists ------------------------------------------------------------------------


def watchlist_import(
    *, actor, name: str, data: bytes | str, source: str = "watchlist.csv", rescreen: bool = True
) -> Watchlist:
    """Load (or reload) the list ``name`` from a CSV, all-or-nothing.

    Checks: ``compliance_screening.import_watchlist``; every row (RowErrors naming row and
    column, nothing written). Writes: new entries, changed entries (their content hash
    differs) marked with the new version, entries absent from the file marked off the list;
    one audit change with the counts. After commit, queues a re-screen of the whole book
    against the new and changed entries (a job) unless ``rescreen`` is False.
    """
    require(actor, P + "import_watchlist", _("Your role may not load watch lists."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Name the list.")]})
    parsed = watchlists.parse_watchlist(data, source)
    now = timezone.now()
    with transaction.atomic():
        wl, _created = Watchlist.objects.select_for_update().get_or_create(
            name=name, defaults={"source_kind": parsed.layout}
        )
        version = wl.version + 1
        existing = {e.entry_id: e for e in wl.entries.all()}
        new, changed = [], []
        for p in parsed.entries:
            fields = _entry_fields(p)
            old = existing.get(p.entry_id)
            if old is None:
                new.append(WatchlistEntry(watchlist=wl, entry_id=p.entry_id, changed_in_version=version, **fields))
            elif old.content_hash != fields["content_hash"] or not old.active:
                for key, value in fields.items():
                    setattr(old, key, value)
                old.active, old.changed_in_version = True, version
                changed.append(old)
        seen = {p.entry_id for p in parsed.entries}
        removed = [e.pk for k, e in existing.items() if k not in seen and e.active]
        WatchlistEntry.objects.bulk_create(new, batch_size=2000)
        WatchlistEntry.objects.bulk_update(changed, [*_ENTRY_FIELDS, "active", "changed_in_version"], batch_size=1000)
        WatchlistEntry.objects.filter(pk__in=removed).update(active=False)
        counts = {
            "new": len(new),
            "changed": len(changed),
            "removed": len(removed),
            "unchanged": len(parsed.entries) - len(new) - len(changed),
        }
        before = {"version": wl.version, "entries": wl.entries_count}
        wl.source_kind, wl.version, wl.loaded_at = parsed.layout, version, now
        wl.loaded_by = actor if getattr(actor, "pk", None) else None
        wl.source_file, wl.file_sha256, wl.entries_count = source[:200], parsed.sha256, len(parsed.entries)
        wl.last_changes = counts
        wl.save()
        audit.record_change(
            actor=actor,
            action="watchlist.load",
            obj_type="compliance_screening.watchlist",
            obj_id=str(wl.pk),
            object_repr=str(wl),
            before=before,
            after={
                "version": version,
                "entries": len(parsed.entries),
                "layout": parsed.layout,
                "file_sha256": parsed.sha256,
                **counts,
            },
        )
        if rescreen and (new or changed):
            transaction.on_commit(partial(_queue_rescreen, actor, wl.pk, version))
    return wl


_ENTRY_FIELDS = [
    "schema",
    "name",
    "aliases",
    "birth_date",
    "id_numbers",
    "countries",
    "sanctions",
    "is_sanctioned",
    "is_pep",
    "dataset",
    "content_hash",
]


def _entry_fields(p: watchlists.ParsedEntry) -> dict:
    return {
        "schema": p.schema[:40],
        "name": p.name,
        "aliases": p.aliases,
        "birth_date": p.birth_date,
        "id_numbers": p.id_numbers,
        "countries": p.countries,
        "sanctions": p.sanctions,
        "is_sanctioned": p.is_sanctioned,
        "is_pep": p.is_pep,
        "dataset": p.dataset[:200],
        "content_hash": p.content_hash(),
    }


def _queue_rescreen(actor, watchlist_id: int, version: int) -> None:
    """Re-screen the book against what changed, as a job when the actor may request one;
    otherwise (a command-line load by a system actor without jobs) the sweep task does it."""
    from insurer.jobs.services import job_request

    try:
        job_request(actor=actor, kind="aml_rescreen", parameters={"watchlist": watchlist_id, "version": version})
    except PermissionDenied:
        from compliance.screening.tasks import rescreen_changed_entries_task

        rescreen_changed_entries_task.delay(watchlist_id, version)


# --- Screening --------------------------------------------------------------------------


def id_digest(value: str) -> str:
    """The blind index a customer's ID number is stored under (customers/filters.py), so a
    list's ID numbers meet customers' without decrypting anything."""
    return crypto.blind_index(re.sub(r"[^0-9A-Za-z]", "", value).upper(), "id_number")


_INDEX_CACHE: dict = {}


def entries_index(entries):
    """(WatchlistIndex, {engine entry id: WatchlistEntry pk}) over ``entries`` (a queryset),
    cached per process by the lists' versions (an index over 100k entries takes seconds)."""
    import pandas as pd

    from compliance.engine.screening import WatchlistIndex

    rows = list(
        entries.values(
            "pk",
            "name",
            "aliases",
            "birth_date",
            "id_numbers",
            "countries",
            "is_pep",
            "is_sanctioned",
            "dataset",
            "content_hash",
        )
    )
    key = hashlib.sha256("".join(f"{r['pk']}:{r['content_hash']};" for r in rows).encode()).hexdigest()
    if key in _INDEX_CACHE:
        return _INDEX_CACHE[key]
    frame = pd.DataFrame(
        {
            "entry_id": [str(r["pk"]) for r in rows],
            "name": [r["name"] for r in rows],
            "aliases": [list(r["aliases"]) for r in rows],
            "birth_date": [r["birth_date"] for r in rows],
            "id_number": [";".join(id_digest(x) for x in r["id_numbers"]) for r in rows],
            "country": [";".join(r["countries"]) for r in rows],
            "list": ["pep" if r["is_pep"] and not r["is_sanctioned"] else "sanctions" for r in rows],
            "program": [r["dataset"] for r in rows],
        }
    )
    result = (None, {}) if frame.empty else (WatchlistIndex(frame), {str(r["pk"]): r["pk"] for r in rows})
    if len(_INDEX_CACHE) > 3:
        _INDEX_CACHE.clear()
    _INDEX_CACHE[key] = result
    return result


def active_entries():
    return WatchlistEntry.objects.filter(active=True)


def _customer_inputs(customers) -> list[dict]:
    return list(customers.values("pk", "name", "birth_date", "id_number_digest", "kind"))


def _input_hash(c: dict) -> str:
    doc = [c["name"], str(c["birth_date"] or ""), c["id_number_digest"]]
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False).encode()).hexdigest()


def screen_frame(index, rows: list[dict], workers: int = 1):
    """Engine hits (query_id = customer pk) for customers' name, birth date and ID digest."""
    import pandas as pd

    from compliance.engine.screening import screen_names

    names = pd.DataFrame(
        {
            "query_id": [r["pk"] for r in rows],
            "name": [r["name"] for r in rows],
            "birth_date": [r["birth_date"].isoformat() if r["birth_date"] else "" for r in rows],
            "id_number": [r["id_number_digest"] for r in rows],
        }
    )
    return screen_names(index, names, workers=workers)


def customers_screen(*, customers, entries=None, full: bool = True, workers: int = 1) -> dict:
    """Screen ``customers`` (a queryset) against ``entries`` (default: every entry on a
    list) and store the hits. System work (onboarding, the re-screen job): no actor.

    A hit already stored is refreshed; a false match is reopened (pending) when the customer
    or the entry has changed since its review. ``full`` marks the customers as screened
    against every list (the onboarding sweep's watermark); a re-screen against a few
    changed entries leaves it alone. ``workers`` > 1 forks engine processes (not inside a
    Celery prefork child, whose processes may not have children). Returns counts.
    """
    entries = entries if entries is not None else active_entries()
    index, pk_of = entries_index(entries)
    rows = _customer_inputs(customers)
    now = timezone.now()
    hits = screen_frame(index, rows, workers) if index is not None and rows else None
    by_customer: dict[int, list[dict]] = {}
    if hits is not None:
        for h in hits.to_dict("records"):
            by_customer.setdefault(int(h["query_id"]), []).append(h)
    entry_hash = dict(
        WatchlistEntry.objects.filter(
            pk__in={pk_of[h["entry_id"]] for hs in by_customer.values() for h in hs}
        ).values_list("pk", "content_hash")
    )
    counts = {"customers": len(rows), "hits": 0, "new": 0, "reopened": 0}
    with transaction.atomic():
        existing = {
            (h.customer_id, h.entry_id): h
            for h in ScreeningHit.objects.filter(customer_id__in=list(by_customer)).select_for_update()
        }
        create, update = [], []
        for r in rows:
            basis_customer = _input_hash(r)
            for h in by_customer.get(r["pk"], []):
                entry_pk = pk_of[h["entry_id"]]
                basis = hashlib.sha256((basis_customer + entry_hash[entry_pk]).encode()).hexdigest()
                explanation = {
                    "method": h["method"],
                    "name_score": h["name_score"],
                    "second_factor": h["second_factor"],
                    "matched_name": h["matched_name"],
                    "screened_name": r["name"],
                    "list": h["list"],
                    "threshold": _threshold(),
                }
                values = {
                    "score": round(h["score"], 4),
                    "name_score": round(h["name_score"], 4),
                    "method": h["method"][:40],
                    "matched_name": h["matched_name"][:300],
                    "second_factor": h["second_factor"][:20],
                    "explanation": explanation,
                    "last_screened": now,
                }
                counts["hits"] += 1
                old = existing.get((r["pk"], entry_pk))
                if old is None:
                    create.append(ScreeningHit(customer_id=r["pk"], entry_id=entry_pk, basis_hash=basis, **values))
                    continue
                for k, v in values.items():
                    setattr(old, k, v)
                if old.basis_hash != basis and old.status == Status.FALSE_MATCH:
                    old.explanation = {
                        **explanation,
                        "reopened": {"previous_reason": old.reason, "reviewed_by": old.reviewed_by_id},
                    }
                    old.status = Status.PENDING
                    counts["reopened"] += 1
                old.basis_hash = basis
                update.append(old)
        ScreeningHit.objects.bulk_create(create, batch_size=1000)
        ScreeningHit.objects.bulk_update(
            update,
            [
                "score",
                "name_score",
                "method",
                "matched_name",
                "second_factor",
                "explanation",
                "last_screened",
                "status",
                "basis_hash",
            ],
            batch_size=1000,
        )
        counts["new"] = len(create)
        if full:
            _mark_screened(rows, by_customer, now)
        if counts["new"] or counts["reopened"]:
            audit.record_change(
                actor=None,
                action="screening.hits",
                obj_type="compliance_screening.screeninghit",
                obj_id="",
                detail=counts,
            )
    return counts


def _threshold() -> float:
    from compliance.engine.parameters import load_parameters

    return float(load_parameters().screening["match_threshold"])


def _mark_screened(rows: list[dict], by_customer: dict, now) -> None:
    """The onboarding watermark, in chunks (SQLite bounds a query's parameters)."""
    for start in range(0, len(rows), 5_000):
        part = {r["pk"]: r for r in rows[start : start + 5_000]}
        known = list(CustomerScreening.objects.filter(customer_id__in=list(part)))
        for k in known:
            r = part[k.customer_id]
            k.screened_at, k.input_hash, k.hits = now, _input_hash(r), len(by_customer.get(r["pk"], []))
        CustomerScreening.objects.bulk_update(known, ["screened_at", "input_hash", "hits"], batch_size=1000)
        seen = {k.customer_id for k in known}
        CustomerScreening.objects.bulk_create(
            [
                CustomerScreening(
                    customer_id=pk, screened_at=now, input_hash=_input_hash(r), hits=len(by_customer.get(pk, []))
                )
                for pk, r in part.items()
                if pk not in seen
            ],
            batch_size=2000,
        )


def customers_needing_screening():
    """Customers created or changed since their last screening (or never screened)."""
    from django.db.models import F, Q

    from customers.models import Customer

    return Customer.objects.filter(Q(screening__isnull=True) | Q(updated_at__gt=F("screening__screened_at")))


def customers_needing_rating():
    """Policyholders with a policy created or changed since their rating was last computed: a
    new product, channel or premium is an input of the rating, and imports write policies in
    bulk, past any save signal. (Payment methods and ownership are caught by the nightly
    re-rating of the book: transactions and holdings carry no change time.)"""
    from django.db.models import F, Q

    from customers.models import Policy

    stale = Q(policyholder__aml_rating__isnull=True) | Q(updated_at__gt=F("policyholder__aml_rating__computed_at"))
    return Policy.objects.filter(stale).values_list("policyholder_id", flat=True).distinct()


def onboarding_sweep(*, batch: int = 5_000, limit: int = 250_000) -> dict:
    """Screen the customers created or changed since their last screening (imports write in
    bulk, past any save signal: this catches them), then rate them; then re-rate the
    policyholders whose policies changed since their rating; in batches."""
    from customers.models import Customer

    total = {"customers": 0, "hits": 0, "new": 0, "reopened": 0}
    while total["customers"] < limit:
        ids = list(customers_needing_screening().order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            break
        counts = customers_screen(customers=Customer.objects.filter(pk__in=ids))
        ratings_refresh(customer_ids=ids)
        for k in total:
            total[k] += counts[k]
    total["rerated"], seen = 0, set()
    while total["rerated"] < limit:
        ids = list(customers_needing_rating().order_by("policyholder_id")[:batch])
        if not ids or seen.issuperset(ids):  # nothing left, or nothing the engine could rate
            break
        seen.update(ids)
        started = timezone.now()
        ratings_refresh(customer_ids=ids)
        # An unchanged rating is not rewritten; mark it computed so the same policies are not
        # taken again by the next batch or sweep.
        CustomerRiskRating.objects.filter(customer_id__in=ids, computed_at__lt=started).update(computed_at=started)
        total["rerated"] += len(ids)
    return total


# --- Hit review -------------------------------------------------------------------------


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for the disposition.")]})
    return reason


def hit_review(*, actor, hit: ScreeningHit, disposition: str, reason: str) -> ScreeningHit:
    """An analyst's disposition of a pending hit: ``false_match`` closes it; ``true_match``
    proposes it to the MLRO (it is confirmed by someone else). Checks
    ``compliance_screening.review_screeninghit``, the hit is pending, a reason is given."""
    require(actor, P + "review_screeninghit", _("Your role may not review screening hits."))
    reason = _reason(reason)
    if disposition not in (Status.TRUE_MATCH, Status.FALSE_MATCH):
        raise ValidationError({"disposition": [_("Choose true match or false match.")]})
    with transaction.atomic():
        locked = ScreeningHit.objects.select_for_update().get(pk=hit.pk)
        if locked.status != Status.PENDING:
            raise ValidationError(
                _("Only a pending hit can be reviewed (this one is %(s)s).") % {"s": locked.get_status_display()}
            )
        locked.status = Status.PROPOSED_TRUE if disposition == Status.TRUE_MATCH else Status.FALSE_MATCH
        locked.reason, locked.reviewed_by, locked.reviewed_at = reason, actor, timezone.now()
        locked.save(update_fields=["status", "reason", "reviewed_by", "reviewed_at"])
        audit.record_change(
            actor=actor,
            action="screening.review",
            obj_type="compliance_screening.screeninghit",
            obj_id=str(locked.pk),
            object_repr=str(locked),
            before={"status": Status.PENDING},
            after={"status": locked.status, "score": str(locked.score), "entry": locked.entry.entry_id},
            reason=reason,
        )
    return locked


def hit_confirm(*, actor, hit: ScreeningHit, confirm: bool, reason: str) -> ScreeningHit:
    """The MLRO confirms (true match) or rejects (false match) a proposed true match.
    Checks ``compliance_screening.confirm_screeninghit`` and that the MLRO did not propose
    it (maker ≠ checker). A confirmation re-rates the customer and sends
    ``true_match_confirmed``."""
    require(actor, P + "confirm_screeninghit", _("Only the MLRO confirms a true match."))
    reason = _reason(reason)
    with transaction.atomic():
        locked = ScreeningHit.objects.select_for_update().select_related("entry").get(pk=hit.pk)
        if locked.status != Status.PROPOSED_TRUE:
            raise ValidationError(
                _("Only a proposed true match can be confirmed (this one is %(s)s).")
                % {"s": locked.get_status_display()}
            )
        if locked.reviewed_by_id == getattr(actor, "pk", None):
            raise PermissionDenied(_("You proposed this match: someone else must confirm it (maker ≠ checker)."))
        locked.status = Status.TRUE_MATCH if confirm else Status.FALSE_MATCH
        locked.confirmed_by, locked.confirmed_at = actor, timezone.now()
        locked.reason = f"{locked.reason}\n— {reason}"
        locked.save(update_fields=["status", "confirmed_by", "confirmed_at", "reason"])
        audit.record_change(
            actor=actor,
            action="screening.confirm" if confirm else "screening.reject",
            obj_type="compliance_screening.screeninghit",
            obj_id=str(locked.pk),
            object_repr=str(locked),
            before={"status": Status.PROPOSED_TRUE},
            after={"status": locked.status},
            reason=reason,
        )
        if confirm:
            ratings_refresh(customer_ids=[locked.customer_id])
            entry = locked.entry
            transaction.on_commit(
                lambda: true_match_confirmed.send(
                    sender=ScreeningHit,
                    hit_id=locked.pk,
                    customer_id=locked.customer_id,
                    sanctioned=entry.is_sanctioned,
                    pep=entry.is_pep,
                )
            )
    return locked


# --- Risk rating and EDD ----------------------------------------------------------------


def rating_frames(customer_ids=None) -> dict:
    """The engine's inputs (risk_rating.rate_customers) for some customers or the book."""
    import pandas as pd

    from customers.models import BeneficialOwner, Customer, Policy, PolicyTransaction

    cust = Customer.objects.all()
    if customer_ids is not None:
        cust = cust.filter(pk__in=customer_ids)
    customers = pd.DataFrame(
        list(cust.values("pk", "customer_ref", "kind", "nationality", "occupation", "annual_income", "risk_rating"))
    )
    if customers.empty:
        return {"customers": customers}
    customers["annual_income"] = pd.to_numeric(customers["annual_income"], errors="coerce")
    pol = Policy.objects.all()
    txn = PolicyTransaction.objects.filter(kind="premium")
    owners = BeneficialOwner.objects.all()
    if customer_ids is not None:
        pol = pol.filter(policyholder_id__in=customer_ids)
        txn = txn.filter(policy__policyholder_id__in=customer_ids)
        owners = owners.filter(organisation_id__in=customer_ids)
    policies = pd.DataFrame(
        list(pol.values_list("policy_ref", "policyholder__customer_ref", "product__kind", "channel", "annual_premium")),
        columns=["policy_ref", "policyholder_ref", "product_kind", "channel", "annual_premium"],
    )
    policies["annual_premium"] = policies["annual_premium"].astype(float)
    transactions = pd.DataFrame(
        list(txn.values_list("policy__policy_ref", "kind", "method", "payer__customer_ref", "counterparty_country")),
        columns=["policy_ref", "kind", "method", "payer_ref", "counterparty_country"],
    )
    # The look-through walks chains beyond the rated customers: it reads every holding.
    bo = pd.DataFrame(
        list(
            BeneficialOwner.objects.values_list(
                "organisation__customer_ref", "owner__customer_ref", "share_pct", "control", "owner__name"
            )
        ),
        columns=["organisation_ref", "owner_ref", "share_pct", "control", "owner_name"],
    )
    bo["share_pct"] = bo["share_pct"].astype(float)
    # A holding by a nominee (代持, nominee, ... in the owner's name) makes its organisation
    # opaque, as on the profile page and in the monitoring batch.
    from compliance.engine.ownership import nominee_by_name

    bo["nominee"] = nominee_by_name(bo.pop("owner_name"))
    hits = ScreeningHit.objects.filter(status=Status.TRUE_MATCH)
    if customer_ids is not None:
        hits = hits.filter(customer_id__in=customer_ids)
    confirmed = pd.DataFrame(
        list(hits.values_list("customer__customer_ref", "entry__is_pep", "entry__is_sanctioned")),
        columns=["customer_ref", "is_pep", "is_sanctioned"],
    )
    confirmed["list"] = [
        "pep" if p and not s else "sanctions"
        for p, s in zip(confirmed["is_pep"], confirmed["is_sanctioned"], strict=True)
    ]
    return {"customers": customers, "policies": policies, "transactions": transactions, "owners": bo, "hits": confirmed}


def ratings_refresh(*, customer_ids=None, today: dt.date | None = None) -> dict:
    """Recompute the risk rating of some customers (or the book) and store it with its
    reasons; a rating that changes gets a new review date (interval by rating), a customer
    who becomes high risk gets an open EDD task. System work, audited once per run and once
    per changed rating."""
    from compliance.engine.ownership import look_through
    from compliance.engine.risk_rating import rate_customers

    today = today or timezone.localdate()
    frames = rating_frames(customer_ids)
    c = frames["customers"]
    counts = {"rated": 0, "changed": 0, "edd_opened": 0, "low": 0, "medium": 0, "high": 0}
    if c.empty:
        return counts
    ownership = look_through(frames["owners"], c) if len(frames["owners"]) else None
    hits = frames["hits"]
    rated = rate_customers(c.drop(columns="pk"), frames["policies"], frames["transactions"], hits, ownership)
    sanctioned = set(hits.loc[hits["is_sanctioned"].astype(bool), "customer_ref"]) if len(hits) else set()
    opaque = {}
    if ownership is not None:
        o = ownership["organisations"]
        opaque = dict(zip(o["organisation_ref"], o["reasons"], strict=True))
    pk_of = dict(zip(c["customer_ref"], c["pk"], strict=True))
    months = _review_months()
    now = timezone.now()
    with transaction.atomic():
        # The whole book: every row (no IN list of 200,000 keys); some customers: theirs.
        rows = CustomerRiskRating.objects.all()
        tasks = EddTask.objects.filter(status=EddTask.Status.OPEN)
        if customer_ids is not None:
            rows, tasks = rows.filter(customer_id__in=customer_ids), tasks.filter(customer_id__in=customer_ids)
        current = {r.customer_id: r for r in rows}
        open_edd = set(tasks.values_list("customer_id", flat=True))
        create, update, edd = [], [], []
        for row in rated.itertuples(index=False):
            pk = int(pk_of[row.customer_ref])
            reasons = list(row.reasons)
            rating, computed = row.rating, row.computed_rating
            if opaque.get(row.customer_ref):
                reasons.append(f"ownership: {opaque[row.customer_ref]}")
            if row.customer_ref in sanctioned:
                reasons.append("confirmed sanctions match (rating high)")
                rating = computed = "high"
            if row.rating != row.computed_rating:
                reasons.append(f"declared rating {row.rating} kept (computed {row.computed_rating})")
            inputs = hashlib.sha256(json.dumps([float(row.score), rating, computed, reasons]).encode()).hexdigest()
            old = current.get(pk)
            counts[rating] += 1
            counts["rated"] += 1
            if old is not None and old.inputs_hash == inputs:
                continue
            next_review = _add_months(today, months[rating])
            values = {
                "score": round(float(row.score), 2),
                "computed_rating": computed,
                "rating": rating,
                "reasons": reasons,
                "inputs_hash": inputs,
                "computed_at": now,
                "review_months": months[rating],
            }
            if old is None:
                create.append(CustomerRiskRating(customer_id=pk, next_review=next_review, **values))
            else:
                if old.rating != rating:
                    values["previous_rating"], values["next_review"] = old.rating, next_review
                    counts["changed"] += 1
                    audit.record_change(
                        actor=None,
                        action="risk_rating.change",
                        obj_type="customers.customer",
                        obj_id=str(pk),
                        before={"rating": old.rating},
                        after={"rating": rating, "reasons": reasons},
                    )
                for k, v in values.items():
                    setattr(old, k, v)
                update.append(old)
            if rating == "high" and pk not in open_edd and (old is None or old.rating != "high"):
                edd.append(
                    EddTask(
                        customer_id=pk,
                        reason="; ".join(reasons),
                        opened_at=now,
                        due=today + dt.timedelta(days=EDD_DUE_DAYS),
                    )
                )
        CustomerRiskRating.objects.bulk_create(create, batch_size=2000)
        CustomerRiskRating.objects.bulk_update(
            update,
            [
                "score",
                "computed_rating",
                "rating",
                "reasons",
                "inputs_hash",
                "computed_at",
                "review_months",
                "next_review",
                "previous_rating",
            ],
            batch_size=1000,
        )
        EddTask.objects.bulk_create(edd, batch_size=2000)
        counts["edd_opened"] = len(edd)
        if create or update:
            audit.record_change(
                actor=None,
                action="risk_rating.refresh",
                obj_type="compliance_screening.rating",
                obj_id="",
                detail={**counts, "scope": "book" if customer_ids is None else "some"},
            )
    return counts


def _review_months() -> dict:
    from compliance.engine.parameters import load_parameters

    return {k: int(v) for k, v in load_parameters().risk_rating["review_months"].items()}


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def edd_complete(*, actor, task: EddTask, findings: str) -> EddTask:
    """Complete an open EDD task with findings. Checks ``compliance_screening.complete_eddtask``."""
    require(actor, P + "complete_eddtask", _("Your role may not complete enhanced due diligence."))
    findings = (findings or "").strip()
    if not findings:
        raise ValidationError({"findings": [_("Record the findings of the enhanced due diligence.")]})
    with transaction.atomic():
        locked = EddTask.objects.select_for_update().get(pk=task.pk)
        if locked.status != EddTask.Status.OPEN:
            raise ValidationError(_("This EDD task is already completed."))
        locked.status, locked.findings = EddTask.Status.COMPLETED, findings
        locked.completed_by, locked.completed_at = actor, timezone.now()
        locked.save(update_fields=["status", "findings", "completed_by", "completed_at"])
        audit.record_change(
            actor=actor,
            action="edd.complete",
            obj_type="compliance_screening.eddtask",
            obj_id=str(locked.pk),
            object_repr=str(locked),
            before={"status": "open"},
            after={"status": "completed"},
            reason=findings,
        )
    return locked


def name_screen(*, actor, name: str, birth_date: str = "", id_number: str = "", limit: int = 20) -> list[dict]:
    """Screen one name (an integrator's onboarding check): nothing is stored. Checks
    ``compliance_screening.screen_name``."""
    require(actor, P + "screen_name", _("Your role may not screen names."))
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("Required.")]
    if birth_date and not watchlists._DATE.match(birth_date.strip()):
        errors["birth_date"] = [_("Use YYYY-MM-DD.")]
    if errors:
        raise ValidationError(errors)
    index, pk_of = entries_index(active_entries())
    if index is None:
        return []
    found = index.screen(name, birth_date or None, id_digest(id_number) if id_number else None, limit=limit)
    entries = WatchlistEntry.objects.select_related("watchlist").in_bulk([pk_of[h["entry_id"]] for h in found])
    out = []
    for h in found:
        e = entries[pk_of[h["entry_id"]]]
        out.append(
            {
                "entry_id": e.entry_id,
                "watchlist": e.watchlist.name,
                "name": e.name,
                "schema": e.schema,
                "sanctioned": e.is_sanctioned,
                "pep": e.is_pep,
                "score": h["score"],
                "name_score": h["name_score"],
                "method": h["method"],
                "matched_name": h["matched_name"],
                "second_factor": h["second_factor"],
            }
        )
    return out
