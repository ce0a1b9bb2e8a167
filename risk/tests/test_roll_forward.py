"""The reserve roll-forward on the valuation results: by hand on a three-month example, and on
a book valuation, where its opening is the run's base BEL and its closing the BEL of the
projection's later cash flows."""

from __future__ import annotations

import pytest
from django.test import Client

from risk.engine.roll_forward import reserve_roll_forward
from risk.selectors import valuation_roll_forward
from risk.tests.test_jobs import _book
from risk.tests.test_views import _finished_valuation

# Monthly discount at 1 per cent a month: v_t = 1.01^-t.
V = [1.01**-t for t in range(4)]


def test_one_month_rolled_by_hand():
    # A premium of 100 now, a maturity of 1,010 in month 2.
    flows = {"premiums": [100.0, 0.0, 0.0], "maturities": [0.0, 0.0, 1010.0]}
    roll = reserve_roll_forward(flows, V, months=1)
    # BEL_0 = -100 + 1010 / 1.01^2 = 890.0990099; BEL_1 = 1010 / 1.01 = 1000;
    # interest = (890.0990099 + 100) x 0.01 = 9.9009901.
    assert roll.opening_bel == pytest.approx(-100 + 1010 / 1.0201, rel=1e-12)
    assert roll.opening_bel == pytest.approx(890.0990099, abs=1e-7)
    assert (roll.months, roll.premiums, roll.outgo["maturities"]) == (1, 100.0, 0.0)
    assert roll.interest == pytest.approx(9.9009901, abs=1e-7)
    assert roll.closing_bel == pytest.approx(1000.0, rel=1e-12)
    assert roll.residual == pytest.approx(0.0, abs=1e-9)


def test_past_the_projection_everything_is_paid_and_nothing_is_left():
    flows = {"premiums": [100.0, 0.0, 0.0], "claims": [0.0, 30.0, 0.0], "maturities": [0.0, 0.0, 1010.0]}
    roll = reserve_roll_forward(flows, V, months=12)
    assert roll.months == 3 and roll.closing_bel == 0.0
    # Opening -100 + 30/1.01 + 1010/1.0201; over the three months 100 in, 1,040 out.
    assert roll.opening_bel == pytest.approx(-100 + 30 / 1.01 + 1010 / 1.0201, rel=1e-12)
    assert roll.outgo["claims"] == 30.0 and roll.outgo["maturities"] == 1010.0
    assert roll.interest == pytest.approx(1040 - 100 - roll.opening_bel, rel=1e-12)
    assert roll.residual == pytest.approx(0.0, abs=1e-9)


def test_bad_cash_flows_are_refused_naming_them():
    with pytest.raises(ValueError, match="cash flows 'claims' have 2 months, premiums 3"):
        reserve_roll_forward({"premiums": [1.0, 2.0, 3.0], "claims": [1.0, 2.0]}, V)
    with pytest.raises(ValueError, match="3 discount factors for 3 months of cash flows: need 4"):
        reserve_roll_forward({"premiums": [1.0, 2.0, 3.0]}, V[:3])


@pytest.mark.django_db
def test_the_results_page_rolls_the_runs_base_bel_forward_a_year(actuary):
    _book()
    job = _finished_valuation(actuary, scenarios="base")
    summary = job.result_summary
    roll = valuation_roll_forward(summary)
    # Opening = the base BEL the chunks computed; closing = the later cash flows valued a year on.
    assert roll.opening_bel == pytest.approx(summary["totals"]["base"]["bel"], rel=1e-9)
    assert roll.months == 12 and roll.residual == pytest.approx(0.0, abs=1e-6 * abs(roll.opening_bel))
    assert roll.premiums == pytest.approx(sum(summary["cashflows"]["premiums"][:12]), rel=1e-12)
    client = Client()
    client.force_login(actuary)
    page = client.get(f"/risk/valuations/{job.pk}/").content.decode()
    assert 'data-testid="roll-forward"' in page
    assert "Opening BEL (valuation date)" in page and "Closing BEL (month 12)" in page
    assert "Interest (unwind of the discount)" in page
    # The API twin gives the same roll-forward with the results.
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=actuary)[0].key}")
    body = api.get(f"/api/v1/risk/valuations/{job.pk}/results/").json()["reserve_roll_forward"]
    assert body["opening_bel"] == pytest.approx(summary["totals"]["base"]["bel"], rel=1e-9)
    assert body["closing_bel"] == pytest.approx(roll.closing_bel, rel=1e-12) and body["months"] == 12
