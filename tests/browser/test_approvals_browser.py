"""Maker-checker in two real browser contexts: a claims handler submits a claim payout, a
claims supervisor approves it in another context. The maker's page has no approve button,
and a POST forged from the maker's own session is refused (403) naming the rule."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PASSWORD, PageProbe

pytestmark = pytest.mark.browser


def _user(username: str, role: str, first: str, last: str):
    from django.contrib.auth import get_user_model

    from insurer.access.services import grant_system

    user = get_user_model().objects.create_user(username=username, password=PASSWORD, first_name=first, last_name=last)
    grant_system(user=user, role=role, reason="browser test persona")
    return user


@pytest.fixture
def maker(transactional_db):
    return _user("browser-maker", "claims_handler", "Hua", "Wang")


@pytest.fixture
def checker(transactional_db):
    return _user("browser-checker", "claims_supervisor", "Lei", "Zhao")


def _context(browser, live_server):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, PageProbe(page)


def _sign_in(probe: PageProbe, user) -> None:
    page = probe.page
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def test_maker_submits_and_a_checker_approves_in_another_context(browser, live_server, maker, checker):
    maker_context, maker_probe = _context(browser, live_server)
    checker_context, checker_probe = _context(browser, live_server)
    try:
        # --- the maker submits -----------------------------------------------------------
        _sign_in(maker_probe, maker)
        page = maker_probe.page
        page.goto("/approvals/requests/new/")
        page.get_by_label("Business type").select_option("claim_payout")
        page.get_by_label("Amount (CNY)").fill("120000")
        page.get_by_label("Department (empty = company)").select_option(label="理赔部 Claims")
        page.get_by_label("Title").fill("Death claim, policy P-2024-0042")
        page.get_by_label("Object id").fill("CLM-42")
        page.get_by_label("Object (as shown)").fill("Claim CLM-42")
        page.get_by_role("button", name="Submit").click()
        page.wait_for_url(re.compile(r"/approvals/requests/\d+/$"))
        request_url = page.url
        pk = int(re.search(r"/requests/(\d+)/", request_url).group(1))
        assert page.get_by_test_id("request-status").get_attribute("data-status") == "pending"
        route = page.get_by_test_id("route")
        assert "Claims supervisor" in route.inner_text() and "Executive" in route.inner_text()
        # no decision control for the maker, only the reason why
        assert page.get_by_test_id("approve").count() == 0
        assert page.get_by_test_id("decision-form").count() == 0
        assert "maker-checker" in page.get_by_test_id("why-not").inner_text()
        maker_probe.screenshot("approvals-maker-request")

        # --- a forged POST from the maker's own session ------------------------------------
        token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
        forged = maker_context.request.post(
            f"{live_server.url}/approvals/requests/{pk}/decide/",
            form={"csrfmiddlewaretoken": token, "decision": "approve", "comment": "forged"},
            headers={"Referer": request_url},
        )
        assert forged.status == 403
        assert "maker-checker" in forged.text()
        forged_api = maker_context.request.post(
            f"{live_server.url}/api/v1/approvals/{pk}/approve/",
            data={},
            headers={"X-CSRFToken": token, "Referer": request_url},
        )
        assert forged_api.status == 403 and "maker-checker" in forged_api.json()["detail"]
        page.reload()
        assert page.get_by_test_id("request-status").get_attribute("data-status") == "pending"

        # --- the checker, in another context, approves level 1 -----------------------------
        _sign_in(checker_probe, checker)
        cpage = checker_probe.page
        cpage.goto("/approvals/")
        row = cpage.locator(f"[data-testid=queue] tr[data-request='{pk}']")
        assert row.count() == 1
        checker_probe.screenshot("approvals-checker-queue")
        row.get_by_role("link").click()
        cpage.wait_for_url(f"**/approvals/requests/{pk}/")
        cpage.get_by_label("Comment (required to reject or return)").fill("Documents complete.")
        checker_probe.screenshot("approvals-checker-decision-form")
        cpage.get_by_test_id("approve").click()
        cpage.wait_for_url(f"**/approvals/requests/{pk}/")
        assert cpage.locator("[data-step='1']").get_attribute("data-status") == "approved"
        assert cpage.locator("[data-step='2']").get_attribute("data-status") == "current"
        assert "browser-checker" in cpage.locator("[data-step='1']").inner_text()
        assert cpage.get_by_test_id("approve").count() == 0  # one person, one level
        checker_probe.screenshot("approvals-after-level-1")

        # --- the maker sees the decision ---------------------------------------------------
        page.reload()
        assert "Documents complete." in page.locator("[data-step='1']").inner_text()
        assert page.get_by_test_id("approve").count() == 0
        for probe in (maker_probe, checker_probe):
            assert probe.csp_violations() == []
            assert probe.page_errors == []
    finally:
        maker_context.close()
        checker_context.close()
