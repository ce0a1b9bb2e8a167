"""A backtest and a shadow run on a tiny planted book give exactly the hand count.

The book (2024, monthly unless said):
- A (planted L11): three premiums by transfer, then one by cheque;
- B (background): one annual premium by cheque: v1 alerts on it, v2 (L11 calibrated) does not;
- C (planted L06): the premium is paid by a third party;
- D (planted L04, missed): a cooling-off refund to the same account that paid, which L04 does
  not flag (the label is there to show a miss counts against recall);
- E (planted L13): the holder's name and birth date are on the planted watch list.

rules-v1: alerts L11 on A and B, L06 on C, L13 on E: 4 alerts, 3 on planted policies.
rules-v2: the same without B: 3 alerts, all on planted policies.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from compliance.rules import services
from customers.tests import builders
from insurer.jobs.services import job_run_inline

pytestmark = pytest.mark.django_db


def _at(month: int, day: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2024, month, day, 10, 0))


@pytest.fixture
def tiny_book(shipped_versions):
    term = builders.product()
    people = {k: builders.person(name=n, phone=f"1391234560{i}", birth_date=dt.date(1980 + i, 3, 3))
              for i, (k, n) in enumerate([("a", "赵一"), ("b", "钱二"), ("c", "孙三"), ("d", "李四"), ("e", "王伟"),
                                          ("x", "周五")])}  # fmt: skip
    pa = builders.policy(holder=people["a"], product=term, payment_frequency="monthly", annual_premium=12_000)
    ta = [builders.transaction(on=pa, amount="1000", when=_at(m), account_ref="ACC-A") for m in (1, 2, 3)]
    cheque = builders.transaction(on=pa, amount="1000", when=_at(4), method="cheque", account_ref="CHQ-A")
    pb = builders.policy(holder=people["b"], product=term, annual_premium=1000)
    builders.transaction(on=pb, amount="1000", when=_at(2), method="cheque", account_ref="CHQ-B")
    pc = builders.policy(holder=people["c"], product=term)
    third = builders.transaction(on=pc, when=_at(3), payer=people["x"], account_ref="ACC-X")
    pd_ = builders.policy(holder=people["d"], product=term, payment_frequency="single", premium_term_years=1)
    builders.transaction(on=pd_, when=_at(5), account_ref="ACC-D")
    refund = builders.transaction(on=pd_, kind="cooling_off_refund", when=_at(5, 15), payer=None,
                                  payee=people["d"], account_ref="ACC-D")  # fmt: skip
    pe = builders.policy(holder=people["e"], product=term)
    builders.transaction(on=pe, when=_at(6), account_ref="ACC-E")
    entry = {"entry_id": "WL-1", "name": "王伟", "birth_date": "1984-03-03", "list": "sanctions", "aliases": "",
             "id_number": "", "country": "CN", "program": "demo", "customer_ref": people["e"].customer_ref}  # fmt: skip
    label = lambda typ, who, pol, txns, **d: {"typology": typ, "customer_ref": people[who].customer_ref,  # noqa: E731
                                              "policy_ref": pol.policy_ref, "txn_refs": [t.txn_ref for t in txns],
                                              "detail": d}  # fmt: skip
    labels = [label("L11", "a", pa, [cheque]), label("L06", "c", pc, [third]), label("L04", "d", pd_, [refund]),
              label("L13", "e", pe, [], entry_id="WL-1")]  # fmt: skip
    services.typology_labels_record(size="tiny", seed=1, keep=False, labels=labels, watchlist=[entry])
    assert ta  # three ordinary payments before the cheque
    return {"A": pa, "B": pb, "C": pc, "E": pe}


def test_backtest_figures_equal_the_hand_count(tiny_book):
    v1 = job_run_inline("aml_backtest", {"version": "rules-v1"})
    assert (v1["alerts"], v1["labelled_cases"]) == (4, 4)
    assert v1["precision"] == pytest.approx(3 / 4)
    rules = v1["rules"]
    assert rules["L11"] | {} == {"alerts": 2, "true_alerts": 1, "precision": 0.5, "cases": 1, "found": 1,
                                 "recall": 1.0}  # fmt: skip
    assert (rules["L06"]["alerts"], rules["L06"]["found"], rules["L06"]["recall"]) == (1, 1, 1.0)
    assert (rules["L13"]["alerts"], rules["L13"]["true_alerts"], rules["L13"]["recall"]) == (1, 1, 1.0)
    assert (rules["L04"]["alerts"], rules["L04"]["cases"], rules["L04"]["found"], rules["L04"]["recall"]) == (
        0, 1, 0, 0.0)  # fmt: skip
    assert set(rules) == {"L04", "L06", "L11", "L13"}

    v2 = job_run_inline("aml_backtest", {"version": "rules-v2"})
    assert (v2["alerts"], v2["precision"]) == (3, 1.0)
    assert (v2["rules"]["L11"]["alerts"], v2["rules"]["L11"]["recall"]) == (1, 1.0)


def test_shadow_run_lists_what_only_one_version_alerts_on(tiny_book):
    out = job_run_inline("aml_shadow", {"candidate": "rules-v2", "live": "rules-v1"})
    assert (out["only_live"], out["only_candidate"], out["both"]) == (1, 0, 3)
    assert out["sample_only_live"] == [["L11", tiny_book["B"].policy_ref]]
    assert out["rules"]["L11"] == {"only_live": 1, "only_candidate": 0, "both": 1}
    assert (out["alerts_live"], out["alerts_candidate"]) == (4, 3)
    assert out["candidate"]["precision"] == 1.0 and out["live"]["precision"] == pytest.approx(0.75)


def test_the_command_prints_the_same_figures(tiny_book, capsys):
    call_command("aml_backtest", "--version", "rules-v2", "--shadow")
    out = capsys.readouterr().out
    assert "rules-v2 (aml-life-insurance@v2): 3 alerts, 4 labelled cases" in out
    assert "1 (rule, policy) alerts only live, 0 only in the candidate, 3 in both" in out
