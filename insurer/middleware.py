"""Request id: one id per request, carried by a contextvar so services and the audit
ledger can stamp what they write without the request being passed down."""

from __future__ import annotations

import contextvars
import re
import uuid

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
current_source_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("source_address", default=None)

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = current_request_id.set(request_id)
        addr_token = current_source_address.set(request.META.get("REMOTE_ADDR"))
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
            current_source_address.reset(addr_token)
        response["X-Request-ID"] = request_id
        return response
