"""Platform pages: the home dashboard (panels registered by the apps) and a health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from insurer.dashboard import panels_for


@login_required
def home(request):
    panels = [{"template": p.template, **p.context(request)} for p in panels_for(request.user)]
    return render(request, "insurer/home.html", {"panels": panels})


@require_GET
def healthz(request):
    """Liveness and database reachability, for the load balancer and compose health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
