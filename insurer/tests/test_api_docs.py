"""Swagger UI and Redoc work offline under the strict Content-Security-Policy: no inline
script, no inline style element, nothing fetched from outside, and only Redoc's page relaxes
the policy (inline styles and blob: workers, which its renderer needs)."""

import re

import pytest

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def _policy(response) -> dict[str, set[str]]:
    header = response.headers["Content-Security-Policy"]
    return {d.split()[0]: set(d.split()[1:]) for d in (p.strip() for p in header.split(";")) if d}


def _page(client, aml_analyst, path):
    client.force_login(aml_analyst)
    response = client.get(path)
    assert response.status_code == 200
    return response, response.content.decode()


def test_swagger_starts_from_its_own_script_url_under_the_strict_policy(client, aml_analyst):
    response, body = _page(client, aml_analyst, "/api/v1/docs/")
    assert not INLINE_SCRIPT.search(body) and "<style" not in body
    assert not re.search(r"https?://", body)
    policy = _policy(response)
    assert policy["script-src"] == {"'self'"} and policy["style-src"] == {"'self'"}
    sources = re.findall(r'<script src="([^"]+)"', body)
    assert [s for s in sources if "drf_spectacular_sidecar/swagger-ui-dist/" in s] and len(sources) == 3
    start = client.get(sources[-1].replace("&amp;", "&"))
    assert start.status_code == 200 and start["Content-Type"].startswith("application/javascript")
    script = start.content.decode()
    assert "SwaggerUIBundle" in script and "/api/v1/schema/" in script


def test_redoc_loads_no_outside_fonts_and_only_its_page_relaxes_styles(client, aml_analyst):
    response, body = _page(client, aml_analyst, "/api/v1/redoc/")
    assert not INLINE_SCRIPT.search(body) and "<style" not in body
    assert not re.search(r"https?://", body)  # no Google Fonts
    assert '<redoc spec-url="/api/v1/schema/">' in body
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in body
    policy = _policy(response)
    assert policy["script-src"] == {"'self'"}
    assert policy["style-src"] == {"'self'", "'unsafe-inline'"} and policy["worker-src"] == {"'self'", "blob:"}
    book, _ = _page(client, aml_analyst, "/book/customers/")
    assert _policy(book)["style-src"] == {"'self'"} and "worker-src" not in _policy(book)
