"""Browser tests: Playwright drives the system Chromium against pytest-django's live server.

They skip when /usr/bin/chromium is absent, unless INSURER_REQUIRE_BROWSER=1 (CI sets it,
so a missing browser fails there instead of passing silently).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("INSURER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(os.environ.get("INSURER_SCREENSHOT_DIR", "test-results/screenshots"))
PASSWORD = "browser-test-pass-2026"


def _require_browser() -> bool:
    return os.environ.get("INSURER_REQUIRE_BROWSER", "") == "1"


@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        if _require_browser():
            pytest.fail(f"{CHROMIUM} is missing and INSURER_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread, and Django refuses
    # ORM calls from such a thread unless told it is deliberate. Only for this package:
    # left set, it would leak into later tests (and `check --deploy` run by them fails on it).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class PageProbe:
    """A page plus what went wrong in it: CSP violations, console errors, script errors."""

    def __init__(self, page):
        self.page = page
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        # Runs before any page script, through the DevTools protocol (not subject to CSP).
        page.add_init_script(
            "window.__csp = [];"
            "document.addEventListener('securitypolicyviolation',"
            " e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));"
        )

    def csp_violations(self) -> list[str]:
        reported = self.page.evaluate("window.__csp || []")
        return reported + [m for m in self.console_errors if "Content Security Policy" in m]

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def probe(browser, live_server):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield PageProbe(page)
    context.close()


def _seed_with_builders() -> None:
    """A small book when the demo generator is not there: three products, forty policies
    across channels and statuses, two years of premiums, some surrenders and lapses."""
    from django.utils import timezone

    from customers.models import PolicyBeneficiary
    from customers.tests import builders

    products = [
        builders.product(product_code="TERM20", name="安心定期寿险", kind="term"),
        builders.product(product_code="WL01", name="传世终身寿险", kind="whole_life", mortality_table="CL1"),
        builders.product(product_code="ANN05", name="福寿年金保险", kind="annuity", mortality_table="CL5"),
    ]
    channels = ["agency", "bancassurance", "online", "telephone", "broker"]
    surnames = "王李张刘陈杨黄赵吴周"
    for i in range(40):
        holder = builders.person(
            name=f"{surnames[i % 10]}{'伟芳娜敏静强磊洋艳勇'[i // 4 % 10]}",
            birth_date=dt.date(1960 + i % 35, 1 + i % 12, 1 + i % 27),
            sex="M" if i % 2 else "F",
            risk_rating=["low", "medium", "high"][i % 3],
            phone=f"139{i:08d}",
        )
        issue = dt.date(2023, 1 + i % 12, 5 + i % 20)
        status, status_date = "in_force", None
        if i % 9 == 4:
            status, status_date = "surrendered", issue + dt.timedelta(days=300 + i)
        elif i % 11 == 6:
            status, status_date = "lapsed", issue + dt.timedelta(days=200 + i)
        policy = builders.policy(
            holder=holder, product=products[i % 3], channel=channels[i % 5], issue_date=issue, status=status,
            status_date=status_date, annual_premium=f"{1200 + 150 * i}", sum_assured=f"{100000 + 20000 * i}",
        )  # fmt: skip
        if i % 4 == 0:
            PolicyBeneficiary.objects.create(policy=policy, customer=builders.person(name="继承人"), position=1)
        for year in range(2):
            when = dt.datetime(issue.year + year, issue.month, issue.day, 10, 30)
            builders.transaction(on=policy, amount=str(policy.annual_premium), when=timezone.make_aware(when))
        if status == "surrendered":
            builders.transaction(on=policy, kind="surrender", amount="5000", payer=None, payee=holder,
                                 when=timezone.make_aware(dt.datetime.combine(status_date, dt.time(15))))  # fmt: skip


@pytest.fixture
def book(transactional_db):
    """A small book of business with its dashboard figures computed."""
    from django.core.management import call_command, get_commands

    from customers.summary import book_summary_refresh

    if "seed_demo" in get_commands():
        call_command("seed_demo", size="small", seed=7, no_logins=True)
    else:
        _seed_with_builders()
    book_summary_refresh(trigger="browser-test")


@pytest.fixture
def analyst(transactional_db):
    """An AML analyst (reads the whole book, may export and reveal PII) with a password."""
    from django.contrib.auth import get_user_model

    from insurer.access.services import grant_system

    user = get_user_model().objects.create_user(username="browser-analyst", password=PASSWORD,
                                                first_name="Mei", last_name="Lin")  # fmt: skip
    grant_system(user=user, role="aml_analyst", reason="browser test persona")
    return user


@pytest.fixture
def signed_in(probe, analyst, book):
    page = probe.page
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(analyst.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    return probe
