"""Name screening: Chinese-name matching cases, second factors, list layouts, and measured
recall / false-alert rate on planted variants of a synthetic list."""

from __future__ import annotations

import pandas as pd
import pytest

from compliance.engine.screening import WatchlistIndex, load_watchlist, name_forms, screen_customers, screen_names
from compliance.engine.synthetic_names import name_variants, screening_scores, synthetic_watchlist

LIST = pd.DataFrame(
    [
        {"entry_id": "E1", "name": "張偉", "aliases": "", "birth_date": "1970-05-01", "id_number": "",
         "list": "sanctions"},
        {"entry_id": "E2", "name": "单雄信", "aliases": "", "birth_date": "", "id_number": "", "list": "pep"},
        {"entry_id": "E3", "name": "曾国藩", "aliases": "", "birth_date": "", "id_number": "", "list": "pep"},
        {"entry_id": "E4", "name": "区志强", "aliases": "", "birth_date": "", "id_number": "", "list": "pep"},
        {"entry_id": "E5", "name": "仇英", "aliases": "", "birth_date": "", "id_number": "", "list": "pep"},
        {"entry_id": "E6", "name": "解缙", "aliases": "", "birth_date": "", "id_number": "", "list": "pep"},
        {"entry_id": "E7", "name": "朴成浩", "aliases": "", "birth_date": "", "id_number": "", "list": "pep"},
        {"entry_id": "E8", "name": "欧阳修", "aliases": "", "birth_date": "", "id_number": "", "list": "sanctions"},
        {"entry_id": "E9", "name": "John Michael Smith", "aliases": "Johnny Smith", "birth_date": "1960",
         "id_number": "P1234567", "list": "sanctions"},
        {"entry_id": "E10", "name": "李乐", "aliases": "", "birth_date": "", "id_number": "", "list": "pep"},
    ]
)  # fmt: skip


@pytest.fixture(scope="module")
def index():
    return WatchlistIndex(LIST)


def best(index, name, dob=None, id_number=None):
    hits = index.screen(name, dob, id_number)
    return hits[0] if hits else None


@pytest.mark.parametrize(
    ("query", "entry", "method"),
    [
        ("張偉", "E1", "hanzi_traditional"),  # query in Traditional
        ("张伟", "E1", "hanzi_exact"),  # Simplified against a Traditional entry
        ("ZHANG Wei", "E1", "pinyin"),
        ("Zhāng Wěi", "E1", "pinyin"),
        ("zhangwei", "E1", "pinyin"),
        ("Wei Zhang", "E1", "reordered"),
        ("Wei ZHANG", "E1", "pinyin"),
        ("Zhang Wie", "E1", "typo"),
        ("Shan Xiongxin", "E2", "pinyin"),  # 单 as a surname reads Shan, not Dan
        ("Zeng Guofan", "E3", "pinyin"),
        ("Ou Zhiqiang", "E4", "pinyin"),
        ("Qiu Ying", "E5", "pinyin"),
        ("Xie Jin", "E6", "pinyin"),
        ("Piao Chenghao", "E7", "pinyin"),
        ("Ouyang Xiu", "E8", "pinyin"),  # compound surname
        ("Xiu Ouyang", "E8", "reordered"),
        ("歐陽修", "E8", "hanzi_traditional"),
        ("Li Yue", "E10", "pinyin"),  # 乐 heteronym: le / yue
        ("Li Le", "E10", "pinyin"),
        ("SMITH, John Michael", "E9", "reordered"),
        ("Jon Michael Smith", "E9", "typo|token_sort"),
    ],
)
def test_name_variants_find_their_entry(index, query, entry, method):
    hit = best(index, query)
    assert hit is not None, f"{query!r} found nothing"
    assert hit["entry_id"] == entry
    assert hit["method"] in method.split("|"), hit
    assert {"entry_id", "matched_name", "method", "score", "second_factor"} <= set(hit)


@pytest.mark.parametrize("query", ["Dan Xiongxin", "Zhang Wen", "张文", "Wang Wei", "John Smithers", "Jane Smith"])
def test_other_names_do_not_match(index, query):
    assert best(index, query) is None


def test_surname_reading_and_heteronyms_in_forms():
    assert name_forms("单雄信")[0].tokens == ("shan", "xiongxin")
    assert name_forms("曾国藩")[0].tokens[0] == "zeng"
    assert name_forms("欧阳修")[0].tokens == ("ouyang", "xiu")
    assert {f.tokens[1] for f in name_forms("李乐", 4)} >= {"le", "yue"}


def test_date_of_birth_and_id_number_are_second_factors(index):
    plain = best(index, "Zhang Wei")["score"]
    assert best(index, "Zhang Wei", "1970-05-01")["second_factor"] == "dob_match"
    assert best(index, "Zhang Wei", "1970-05-01")["score"] >= plain
    assert best(index, "Zhang Wei", "1985-02-02") is None  # name match, other person
    assert best(index, "Jon Smith", id_number="P 1234567")["second_factor"] == "id_match"
    assert best(index, "John Michael Smith", id_number="X999") is None
    # the list gives only the year: a year match neither raises nor lowers
    assert best(index, "John Michael Smith", "1960-03-03")["second_factor"] == "dob_year_match"


def test_opensanctions_simple_layout_is_read(tmp_path):
    path = tmp_path / "targets.simple.csv"
    pd.DataFrame(
        [
            {"id": "NK-abc", "schema": "Person", "name": "Wang Xiaoming", "aliases": "王小明;Xiaoming Wang",
             "birth_date": "1971-02-03", "countries": "cn", "addresses": "", "identifiers": "X1;X2",
             "sanctions": "Program A", "phones": "", "emails": "", "dataset": "us_ofac_sdn",
             "first_seen": "", "last_seen": "", "last_change": ""},
        ]
    ).to_csv(path, index=False)  # fmt: skip
    wl = load_watchlist(path)
    assert wl.loc[0, "entry_id"] == "NK-abc" and wl.loc[0, "aliases"] == ["王小明", "Xiaoming Wang"]
    idx = WatchlistIndex(wl)
    hit = idx.screen("王小明")[0]
    assert hit["entry_id"] == "NK-abc" and hit["list"] == "us_ofac_sdn" and hit["method"] == "hanzi_exact"


def test_our_layout_requires_entry_id_and_name():
    with pytest.raises(ValueError, match=r"watchlist\.entry_id"):
        load_watchlist(pd.DataFrame({"name": ["x"]}))


def test_customer_screening_feeds_l13():
    customers = pd.DataFrame({"customer_ref": ["C1", "C2"], "name": ["張偉", "李四"], "birth_date": ["", ""]})
    hits = screen_customers(WatchlistIndex(LIST), customers)
    assert list(hits["customer_ref"]) == ["C1"] and not hits["confirmed"].any()


def test_recall_and_false_alerts_on_planted_variants():
    watchlist = synthetic_watchlist(20_000, seed=3)
    index = WatchlistIndex(watchlist)
    queries = name_variants(watchlist, n_listed=600, n_unlisted=600, seed=4)
    scores = screening_scores(screen_names(index, queries), queries)
    assert scores["recall"] >= 0.95, scores
    assert scores["false_alert_rate"] <= 0.02, scores
