"""Request id and client address: one of each per request, carried by contextvars so
services and the audit ledger can stamp what they write without the request being passed
down."""

from __future__ import annotations

import contextvars
import ipaddress
import re
import uuid

from django.conf import settings

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
current_source_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("source_address", default=None)

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_address(meta) -> str:
    """The address of the person at the other end, for the audit ledger and the sign-in
    throttle.

    Behind the TLS proxy of the production shape, REMOTE_ADDR is the proxy's own address for
    every request: recording it would make the ledger's "source address" useless and let five
    failed sign-ins by anyone lock everyone out. With INSURER_TRUSTED_PROXIES = n, the n-th
    address from the right of X-Forwarded-For (the one our outermost proxy saw) is taken;
    anything further left was written by the client and is not trusted. With 0 (the
    default) X-Forwarded-For is ignored, since without a proxy any client could forge it.
    """
    remote = meta.get("REMOTE_ADDR") or ""
    trusted = getattr(settings, "INSURER_TRUSTED_PROXIES", 0)
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if trusted <= 0 or not hops:
        return remote
    candidate = hops[-min(trusted, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # a garbled header: keep what the socket says
        return remote


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The proxy's id ties our ledger to its access log; without a proxy of ours in front
        # (INSURER_TRUSTED_PROXIES = 0) the header could only come from the client, who must
        # not choose the id the audit ledger files its actions under.
        trusted = getattr(settings, "INSURER_TRUSTED_PROXIES", 0) > 0
        incoming = request.headers.get("X-Request-ID", "") if trusted else ""
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = current_request_id.set(request_id)
        request.client_address = client_address(request.META)
        addr_token = current_source_address.set(request.client_address)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
            current_source_address.reset(addr_token)
        response["X-Request-ID"] = request_id
        return response


class HealthCheckMiddleware:
    """Answers GET /healthz before anything looks at the Host header.

    The container health checks call http://localhost:8000/healthz from inside the
    container, while ALLOWED_HOSTS names the public host (DJANGO_ALLOWED_HOSTS): through the
    normal stack that request is refused as a bad host (400) and the web container is
    reported unhealthy for ever. The answer carries no data (database reachable or not), so
    it needs no host check. First in MIDDLEWARE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz" and request.method == "GET":
            from insurer.views import healthz

            return healthz(request)
        return self.get_response(request)
