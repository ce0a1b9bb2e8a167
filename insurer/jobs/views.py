"""Job screens: the list (with the kinds the user may run), one job with its live progress,
the run form of a kind, and cancel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from insurer.access import get_for_user, require
from insurer.jobs import registry, selectors, services
from insurer.jobs.forms import JobFilterForm, style
from insurer.jobs.models import Job
from insurer.pagination import CappedPaginator

CHUNK_ROWS = 200  # the detail page lists at most this many chunks (counts cover the rest)


@login_required
@require_GET
def job_list(request):
    require(request.user, "jobs.view_job")
    form = JobFilterForm(request.GET or None, kinds=registry.kinds())
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.jobs_for(request.user, kind=filters.get("kind", ""), status=filters.get("status", ""),
                              mine=bool(filters.get("mine")))  # fmt: skip
    paginator = CappedPaginator(rows, 25)
    page_obj = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page_obj,
        "page_range": list(paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)),
        "runnable": registry.kinds_for(request.user),
        "kind_names": {k.name: k.verbose_name for k in registry.kinds()},
    }
    return render(request, "jobs/list.html", context)


def _detail_context(request, job: Job) -> dict:
    kind = registry.find(job.kind)
    return {
        "job": job,
        "kind": kind,
        "counts": selectors.chunk_counts(job),
        "chunks": job.chunks.order_by("index")[:CHUNK_ROWS],
        "chunk_rows": CHUNK_ROWS,
        "can_cancel": services.can_cancel(request.user, job),
    }


@login_required
@require_GET
def job_detail(request, pk: int):
    job = get_for_user(Job.objects.select_related("requested_by"), request.user, "view", pk=pk)
    return render(request, "jobs/detail.html", _detail_context(request, job))


@login_required
@require_GET
def job_live(request, pk: int):
    """The live region of the detail page; htmx polls it every second while the job runs."""
    job = get_for_user(Job.objects.select_related("requested_by"), request.user, "view", pk=pk)
    response = render(request, "jobs/partials/live.html", _detail_context(request, job))
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def job_run(request, kind: str):
    require(request.user, "jobs.request_job", _("Your role may not request jobs."))
    job_kind = registry.find(kind)
    if job_kind is None:
        raise Http404
    require(request.user, job_kind.permission, _("Your role may not run this kind of job."))
    form = style(job_kind.form(request.POST or None)) if job_kind.form else None
    errors: list[str] = []
    if request.method == "POST" and (form is None or form.is_valid()):
        raw = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        try:
            job = services.job_request(actor=request.user, kind=kind, parameters=raw)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Job %(job)s queued.") % {"job": job})
            return redirect("jobs:detail", pk=job.pk)
    return render(request, "jobs/run.html", {"kind": job_kind, "form": form, "errors": errors})


@login_required
@require_POST
def job_cancel(request, pk: int):
    job = get_for_user(Job.objects.all(), request.user, "view", pk=pk)
    try:
        services.job_cancel(actor=request.user, job=job, reason=request.POST.get("reason", "")[:500])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Job %(job)s cancelled.") % {"job": job})
    return redirect("jobs:detail", pk=job.pk)
