"""An internal auditor verifies the audit ledger in the browser and finds no write control
anywhere: the only forms that post are signing out, the language, marking one's own
notifications read, and re-walking the ledger (which reads)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser

READ_ONLY_POSTS = {"/accounts/logout/", "/i18n/setlang/", "/ledger/verify/", "/notifications/read/"}
PAGES = [
    "/", "/book/customers/", "/book/policies/", "/book/transactions/", "/book/products/", "/ledger/",
    "/ledger/verify/", "/access/grants/", "/access/sod/", "/access/me/", "/clocks/", "/clocks/breaches/",
    "/clocks/rules/", "/jobs/", "/approvals/", "/approvals/requests/", "/approvals/delegations/",
    "/approvals/matrix/", "/notifications/",
]  # fmt: skip


@pytest.fixture
def auditor(transactional_db):
    from django.contrib.auth import get_user_model

    from insurer.access.services import grant_system

    user = get_user_model().objects.create_user(username="browser-auditor", password=PASSWORD, first_name="Jing")
    grant_system(user=user, role="internal_auditor", reason="browser test persona")
    return user


@pytest.fixture
def pending_work(transactional_db, book):
    """Things others could act on: a requested role grant, so decision controls would show."""
    import datetime as dt

    from django.contrib.auth import get_user_model

    from insurer.access.models import RoleGrant

    subject = get_user_model().objects.create_user(username="someone", password=PASSWORD)
    RoleGrant.objects.create(user=subject, role="actuary", valid_from=dt.date.today(), reason="r", requested_by="x")


def test_auditor_verifies_the_ledger_and_sees_no_write_controls(probe, auditor, pending_work):
    page = probe.page
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(auditor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")

    page.goto("/ledger/verify/")
    page.get_by_test_id("verify-ledger").click()
    result = page.get_by_test_id("verify-result")
    assert "Chain intact" in result.inner_text()
    probe.screenshot("auditor-verify")

    offending = {}
    for path in PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        posts = page.eval_on_selector_all(
            "form",
            # getAttribute: a form field named "method" or "action" would shadow the properties.
            "forms => forms.filter(f => (f.getAttribute('method') || '').toLowerCase() === 'post')"
            ".map(f => new URL(f.getAttribute('action') || '', location.href).pathname)",
        )
        hx = page.eval_on_selector_all("[hx-post],[hx-put],[hx-delete],[hx-patch]", "els => els.length")
        bad = [p for p in posts if p not in READ_ONLY_POSTS]
        if bad or hx:
            offending[path] = {"posts": bad, "htmx_writes": hx}
    grant_page = page.goto(f"/access/grants/{_requested_grant_pk()}/")
    assert grant_page.status == 200
    assert page.get_by_test_id("approve-grant").count() == 0
    assert not offending, offending
    assert not probe.csp_violations()


def _requested_grant_pk() -> int:
    from insurer.access.models import RoleGrant

    return RoleGrant.objects.get(status="requested").pk
