"""Screens of screening and due diligence (nav group "AML"): the hits queue and one hit's
review, the watch lists with their import form, customer ratings with open EDD, and a
customer's risk profile (rating with reasons, review dates, EDD, hits, ownership). Thin: every
write is a service call; every read goes through the permission chokepoint."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from compliance.screening import forms, ownership_view, selectors, services
from compliance.screening.models import CustomerRiskRating, CustomerScreening, EddTask, ScreeningHit
from insurer.access import get_for_user, require
from insurer.errors import RowErrors

P = "compliance_screening."


def _errors(exc: ValidationError) -> str:
    return "; ".join(exc.messages)


@login_required
@require_GET
def hit_list(request):
    require(request.user, P + "view_screeninghit", _("Your role may not see screening hits."))
    status = request.GET.get("status", "open")
    hits = selectors.hits_for(request.user)
    if status == "open":
        hits = hits.filter(status__in=[ScreeningHit.Status.PENDING, ScreeningHit.Status.PROPOSED_TRUE])
    elif status in ScreeningHit.Status.values:
        hits = hits.filter(status=status)
    page = Paginator(hits.order_by("status", "-score", "pk"), 50).get_page(request.GET.get("page"))
    counts = dict(selectors.hits_for(request.user).values_list("status").annotate(n=Count("pk")))
    context = {
        "page": page,
        "status": status,
        "counts": counts,
        "statuses": [(v, label, counts.get(v, 0)) for v, label in ScreeningHit.Status.choices],
        "can_run": request.user.has_perm(P + "run_screening") and request.user.has_perm("jobs.request_job"),
    }
    return render(request, "compliance_screening/hits.html", context)


@login_required
@require_GET
def hit_detail(request, pk: int):
    hit = get_for_user(selectors.hits_for_detail(), request.user, pk=pk)
    user = request.user
    context = {
        "hit": hit,
        "entry": hit.entry,
        "can_review": hit.status == ScreeningHit.Status.PENDING and user.has_perm(P + "review_screeninghit"),
        "can_confirm": hit.status == ScreeningHit.Status.PROPOSED_TRUE
        and user.has_perm(P + "confirm_screeninghit")
        and hit.reviewed_by_id != user.pk,
        "review_form": forms.ReviewForm(),
        "confirm_form": forms.ConfirmForm(),
    }
    return render(request, "compliance_screening/hit.html", context)


@login_required
@require_POST
def hit_review(request, pk: int):
    hit = get_for_user(selectors.hits_for_detail(), request.user, pk=pk)
    require(request.user, P + "review_screeninghit", _("Your role may not review screening hits."))
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.hit_review(
                actor=request.user,
                hit=hit,
                disposition=form.cleaned_data["disposition"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Disposition recorded."))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
    else:
        messages.error(request, _("Choose a disposition and give the reason."))
    return redirect("compliance_screening:hit", pk=hit.pk)


@login_required
@require_POST
def hit_confirm(request, pk: int):
    hit = get_for_user(selectors.hits_for_detail(), request.user, pk=pk)
    require(request.user, P + "confirm_screeninghit", _("Only the MLRO confirms a true match."))
    form = forms.ConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.hit_confirm(
                actor=request.user,
                hit=hit,
                confirm=form.cleaned_data["decision"] == "confirm",
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Decision recorded."))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
    else:
        messages.error(request, _("Choose confirm or reject and give the reason."))
    return redirect("compliance_screening:hit", pk=hit.pk)


@login_required
@require_GET
def watchlist_list(request):
    require(request.user, P + "view_watchlist", _("Your role may not see watch lists."))
    lists = selectors.watchlists_for(request.user).annotate(
        active=Count("entries", filter=Q(entries__active=True)),
        peps=Count("entries", filter=Q(entries__active=True, entries__is_pep=True)),
    )
    context = {
        "lists": lists,
        "form": forms.WatchlistImportForm(),
        "can_import": request.user.has_perm(P + "import_watchlist"),
    }
    return render(request, "compliance_screening/watchlists.html", context)


@login_required
@require_POST
def watchlist_import(request):
    require(request.user, P + "import_watchlist", _("Your role may not load watch lists."))
    form = forms.WatchlistImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Name the list and choose a CSV file."))
        return redirect("compliance_screening:watchlists")
    upload = form.cleaned_data["file"]
    try:
        wl = services.watchlist_import(
            actor=request.user, name=form.cleaned_data["name"], data=upload.read(), source=upload.name
        )
    except RowErrors as exc:
        lists = selectors.watchlists_for(request.user)
        context = {
            "lists": lists,
            "form": form,
            "can_import": True,
            "errors": exc.errors[:200],
            "error_count": len(exc.errors),
        }
        return render(request, "compliance_screening/watchlists.html", context, status=400)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("compliance_screening:watchlists")
    changes = wl.last_changes
    messages.success(
        request,
        _(
            "%(list)s loaded: %(new)d new, %(changed)d changed, %(removed)d removed; the book is "
            "re-screened against what changed."
        )
        % {"list": wl, **changes},
    )
    return redirect("compliance_screening:watchlist", pk=wl.pk)


@login_required
@require_GET
def watchlist_detail(request, pk: int):
    wl = get_for_user(selectors.watchlists_for(request.user), request.user, pk=pk)
    entries = wl.entries.order_by("-active", "entry_id")
    q = request.GET.get("q", "").strip()
    if q:
        entries = entries.filter(Q(name__icontains=q) | Q(entry_id__icontains=q))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "compliance_screening/watchlist.html", {"wl": wl, "page": page, "q": q})


@login_required
@require_GET
def rating_list(request):
    require(request.user, P + "view_customerriskrating", _("Your role may not see customer risk ratings."))
    rating = request.GET.get("rating", "high")
    ratings = selectors.ratings_for(request.user)
    counts = dict(ratings.values_list("rating").annotate(n=Count("pk")))
    if rating in ("low", "medium", "high"):
        ratings = ratings.filter(rating=rating)
    page = Paginator(ratings.order_by("next_review", "-score", "pk"), 50).get_page(request.GET.get("page"))
    edd = selectors.edd_for(request.user).filter(status=EddTask.Status.OPEN).order_by("due", "pk")[:50]
    context = {
        "page": page,
        "rating": rating,
        "counts": counts,
        "edd": edd,
        "can_run": request.user.has_perm(P + "run_screening") and request.user.has_perm("jobs.request_job"),
    }
    return render(request, "compliance_screening/ratings.html", context)


@login_required
@require_POST
def edd_complete(request, pk: int):
    task = get_for_user(selectors.edd_for(request.user), request.user, pk=pk)
    require(request.user, P + "complete_eddtask", _("Your role may not complete enhanced due diligence."))
    form = forms.EddForm(request.POST)
    if form.is_valid():
        try:
            services.edd_complete(actor=request.user, task=task, findings=form.cleaned_data["findings"])
            messages.success(request, _("Enhanced due diligence completed."))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
    else:
        messages.error(request, _("Record the findings."))
    return redirect(reverse("compliance_screening:profile", args=[task.customer.customer_ref]))


@login_required
@require_GET
def customer_profile(request, ref: str):
    require(request.user, P + "view_customerriskrating", _("Your role may not see customer risk profiles."))
    customer = get_for_user(selectors.customers_for_profile(), request.user, customer_ref=ref)
    rating = CustomerRiskRating.objects.filter(customer=customer).first()
    context = {
        "customer": customer,
        "rating": rating,
        "edd_tasks": customer.edd_tasks.select_related("completed_by").order_by("-opened_at"),
        "hits": customer.screening_hits.select_related("entry__watchlist").order_by("-score"),
        "screening": CustomerScreening.objects.filter(customer=customer).first(),
        "ownership": ownership_view.for_customer(customer),
        "can_complete_edd": request.user.has_perm(P + "complete_eddtask"),
        "edd_form": forms.EddForm(),
    }
    return render(request, "compliance_screening/profile.html", context)
