"""The API's offline documentation pages (Swagger UI and Redoc, vendored by the
drf-spectacular sidecar) under the platform's strict Content-Security-Policy.

drf-spectacular's stock pages break that policy: Swagger UI is started by an inline
<script> (blocked by script-src 'self', so the page stays blank) and the Redoc page loads
Google Fonts (a network call at run time, refused by style-src 'self'). Here Swagger UI
loads its start-up script from a URL of its own (the "split" view) and both pages use our
templates, with no inline script, no inline style element and nothing from outside.

Redoc builds its styles at run time (styled-components inserts <style> elements) and runs
its search in a blob: worker, so its page alone allows inline styles and blob: workers. The
page shows only our own schema, and scripts stay 'self'.
"""

from __future__ import annotations

from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

REDOC_CSP = {"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]}


class SwaggerView(SpectacularSwaggerSplitView):
    template_name = "insurer/api_docs/swagger_ui.html"


@method_decorator(csp_update(REDOC_CSP), name="dispatch")
class RedocView(SpectacularRedocView):
    template_name = "insurer/api_docs/redoc.html"
