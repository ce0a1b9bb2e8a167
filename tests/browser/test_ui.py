"""What a person sees in a real browser: sign-in, the dashboard's charts, a filtered and
sorted table, the Chinese interface. Every page is checked for CSP violations."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_sign_in_lands_on_the_dashboard(probe, analyst, book):
    from tests.browser.conftest import PASSWORD

    page = probe.page
    page.goto("/book/customers/")
    assert "/accounts/login/" in page.url  # sign-in first
    page.get_by_label("Username").fill(analyst.username)
    page.get_by_label("Password").fill("wrong-password-123")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").is_visible()
    probe.screenshot("login")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/book/customers/")
    page.get_by_role("button", name=re.compile("Mei Lin")).click()
    assert "AML analyst" in page.get_by_test_id("user-roles").inner_text()
    assert probe.csp_violations() == []


def test_dashboard_draws_every_chart_without_csp_violations(signed_in):
    page = signed_in.page
    charts = page.locator("[data-chart]")
    assert charts.count() == 5
    # ECharts draws into a <canvas> inside each container.
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')].every(el => el.querySelector('canvas, svg'))"
    )
    for i in range(charts.count()):
        box = charts.nth(i).locator("canvas").first.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100
    assert int(page.locator("[data-kpi=policies-in-force]").inner_text().replace(",", "")) > 0
    signed_in.screenshot("dashboard")
    assert signed_in.csp_violations() == []
    assert signed_in.page_errors == []


def test_a_filtered_table_shows_only_matching_rows_and_sorts(signed_in):
    page = signed_in.page
    page.get_by_role("button", name="Book of business").click()
    page.get_by_role("link", name="Policies").click()
    page.wait_for_url("**/book/policies/")
    page.get_by_label("Channel").select_option("online")  # htmx swaps the table on change
    page.wait_for_url(re.compile(r"channel=online"))
    page.wait_for_function(
        "() => { const c = [...document.querySelectorAll('td[data-channel]')];"
        " return c.length > 0 && c.every(td => td.dataset.channel === 'online'); }"
    )
    cells = page.locator("td[data-channel]")
    assert cells.count() > 0
    assert set(cells.evaluate_all("els => els.map(e => e.dataset.channel)")) == {"online"}

    page.get_by_role("link", name=re.compile("^Annual premium")).click()
    page.wait_for_url(re.compile(r"ordering=annual_premium"))
    page.wait_for_selector("th[aria-sort=ascending]")

    def premiums():
        texts = page.locator("tbody tr td:nth-child(8)").all_inner_texts()
        return [float(t.replace(",", "")) for t in texts]

    values = premiums()
    assert values == sorted(values) and len(values) > 1
    assert set(cells.evaluate_all("els => els.map(e => e.dataset.channel)")) == {"online"}  # filter kept
    page.get_by_role("link", name=re.compile("^Annual premium")).click()
    page.wait_for_selector("th[aria-sort=descending]")
    reversed_values = premiums()
    # A page holds 25 rows: the descending first page starts at or above the ascending one's end.
    assert reversed_values == sorted(reversed_values, reverse=True) and reversed_values[0] >= values[-1]
    signed_in.screenshot("policy-list")
    assert signed_in.csp_violations() == []
    assert signed_in.page_errors == []


def test_the_interface_switches_to_simplified_chinese(signed_in):
    page = signed_in.page
    page.get_by_label("Language").select_option("zh-hans")  # app.js submits the form
    page.wait_for_function("() => document.documentElement.lang === 'zh-hans'")
    assert page.get_by_role("heading", name="仪表盘").is_visible()
    assert "保单" in page.locator("main").inner_text()
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')].every(el => el.querySelector('canvas'))"
    )
    signed_in.screenshot("dashboard-zh")
    page.get_by_role("button", name="业务台账").click()
    page.get_by_role("link", name="客户").click()
    page.wait_for_url("**/book/customers/")
    assert page.get_by_role("button", name="应用筛选").is_visible()
    signed_in.screenshot("customer-list-zh")
    assert signed_in.csp_violations() == []


def test_revealing_pii_on_a_customer_page(signed_in):
    page = signed_in.page
    page.goto("/book/customers/")
    page.locator("tbody a").first.click()
    masked = page.get_by_test_id("id-number").inner_text()
    assert "*" in masked
    page.get_by_role("button", name="Reveal").click()
    page.wait_for_function("() => !document.querySelector('[data-testid=id-number]').textContent.includes('*')")
    assert "audit" in page.locator("#pii").inner_text()
    signed_in.screenshot("customer-detail")
    assert signed_in.csp_violations() == []
