"""Synthetic watch lists and labelled name variants for measuring screening.

``synthetic_watchlist`` builds a list in our CSV layout (about 60% Chinese entries, some
stored in Traditional characters, some with a pinyin alias; the rest Latin-script).
``name_variants`` draws queries: variants of listed names (Traditional/Simplified, pinyin with
tones, upper-case family name, run-together, given-name-first, one typo; with or without the
entry's date of birth), each labelled with the entry it should find, plus names that are not
on the list (expected_entry_id empty) to measure false alerts.
"""

from __future__ import annotations

import numpy as np
import opencc
import pandas as pd
from pypinyin import Style, lazy_pinyin

from . import namegen
from .screening import _split_surname, name_forms

_S2T = opencc.OpenCC("s2t")
_T2S = opencc.OpenCC("t2s")
CHINESE_VARIANTS = ("traditional", "pinyin_tones", "pinyin_upper", "pinyin_nospace", "reordered", "typo", "exact")
LATIN_VARIANTS = ("reordered", "typo", "upper", "exact")


def _dates(rng: np.random.Generator, n: int) -> np.ndarray:
    days = rng.integers(np.datetime64("1945-01-01").astype(int), np.datetime64("2000-12-31").astype(int), n)
    return np.array([str(np.datetime64(int(d), "D")) for d in days], dtype=object)


def synthetic_watchlist(n_entries: int = 100_000, seed: int = 7, chinese_share: float = 0.6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_cn = int(n_entries * chinese_share)
    cn = namegen.chinese_names(rng, n_cn)
    la = namegen.latin_names(rng, n_entries - n_cn)
    trad = rng.random(n_cn) < 0.2
    names = [_S2T.convert(x) if t else x for x, t in zip(cn, trad, strict=True)] + la
    aliases = []
    for x in cn:
        aliases.append(_pinyin_upper(x) if rng.random() < 0.5 else "")
    aliases += [""] * len(la)
    dob = _dates(rng, n_entries)
    r = rng.random(n_entries)
    dob = np.where(r < 0.1, [d[:4] for d in dob], dob)
    dob = np.where(r > 0.9, "", dob)
    ids = np.where(rng.random(n_entries) < 0.3, rng.integers(10**17, 10**18, n_entries).astype(str), "")
    return pd.DataFrame(
        {
            "entry_id": [f"SL-{i:06d}" for i in range(n_entries)],
            "name": names,
            "aliases": aliases,
            "birth_date": dob,
            "id_number": ids,
            "country": ["CN"] * n_cn + list(rng.choice(["RU", "IR", "SY", "US", "GB", "VE", "KP"], n_entries - n_cn)),
            "list": rng.choice(["sanctions", "pep"], n_entries, p=[0.7, 0.3]),
            "program": "synthetic",
        }
    )


def _pinyin_parts(hanzi: str) -> tuple[str, str]:
    simplified = _T2S.convert(hanzi)
    surname, given = _split_surname(simplified)
    s_py = namegen.SURNAME_READING.get(surname) or "".join(lazy_pinyin(surname))
    return s_py, "".join(lazy_pinyin(given))


def _pinyin_upper(hanzi: str) -> str:
    s, g = _pinyin_parts(hanzi)
    return f"{s.upper()} {g.capitalize()}".strip()


def _typo(rng: np.random.Generator, word: str) -> str:
    if len(word) < 3:
        return word + word[-1]
    i = int(rng.integers(1, len(word) - 1))
    op = rng.integers(0, 3)
    if op == 0:  # transpose
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == 1:  # substitute
        return word[:i] + "aeiouns"[int(rng.integers(0, 7))] + word[i + 1 :]
    return word[:i] + word[i + 1 :]  # drop


def chinese_variant(rng: np.random.Generator, hanzi: str, variant: str) -> str:
    s, g = _pinyin_parts(hanzi)
    if variant == "traditional":
        return _S2T.convert(_T2S.convert(hanzi))
    if variant == "exact":
        return _T2S.convert(hanzi)
    if variant == "pinyin_tones":
        given = "".join(lazy_pinyin(_split_surname(_T2S.convert(hanzi))[1], style=Style.TONE))
        return f"{s.capitalize()} {given.capitalize()}"
    if variant == "pinyin_upper":
        return f"{s.upper()} {g.capitalize()}"
    if variant == "pinyin_nospace":
        return s + g
    if variant == "reordered":
        return f"{g.capitalize()} {s.capitalize()}"
    # typo: one edit in the given name or the surname, in pinyin
    if rng.random() < 0.7 and g:
        return f"{s.capitalize()} {_typo(rng, g).capitalize()}"
    return f"{_typo(rng, s).capitalize()} {g.capitalize()}"


def latin_variant(rng: np.random.Generator, name: str, variant: str) -> str:
    tokens = name.split()
    if variant == "reordered":
        return f"{tokens[-1].upper()}, {' '.join(tokens[:-1])}"
    if variant == "upper":
        return name.upper()
    if variant == "typo":
        i = int(rng.integers(0, len(tokens)))
        tokens[i] = _typo(rng, tokens[i])
        return " ".join(tokens)
    return name


def name_variants(watchlist: pd.DataFrame, n_listed: int = 5_000, n_unlisted: int = 5_000, seed: int = 11):
    """Queries with labels: query_id, name, birth_date, id_number, expected_entry_id, variant."""
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(watchlist), size=n_listed, replace=len(watchlist) < n_listed)
    rows = []
    for q, i in enumerate(picks):
        e = watchlist.iloc[int(i)]
        chinese = any("\u4e00" <= c <= "\u9fff" for c in e["name"])
        variant = str(rng.choice(CHINESE_VARIANTS if chinese else LATIN_VARIANTS))
        name = chinese_variant(rng, e["name"], variant) if chinese else latin_variant(rng, e["name"], variant)
        with_dob = rng.random() < 0.5 and len(str(e["birth_date"])) == 10
        rows.append(
            {
                "query_id": f"QL{q:06d}",
                "name": name,
                "birth_date": e["birth_date"] if with_dob else "",
                "id_number": "",
                "expected_entry_id": e["entry_id"],
                "variant": variant + ("+dob" if with_dob else ""),
            }
        )
    # "Not listed" means in no script: names whose normalised forms equal a list form are
    # homonyms of listed people, not negatives.
    listed = {f.concat for name in watchlist["name"] for f in name_forms(name, 1)}
    n_cn = int(n_unlisted * 0.6)

    def unlisted(candidates, n):
        return [x for x in candidates if not {f.concat for f in name_forms(x, 1)} & listed][:n]

    fresh = unlisted(namegen.chinese_names(rng, n_cn * 3), n_cn)
    fresh_la = unlisted(namegen.latin_names(rng, (n_unlisted - n_cn) * 2), n_unlisted - n_cn)
    dobs = _dates(rng, n_unlisted)
    for q, name in enumerate(fresh + fresh_la):
        chinese = q < len(fresh)
        shown = chinese_variant(rng, name, str(rng.choice(["exact", "pinyin_upper", "reordered"]))) if chinese else name
        rows.append(
            {
                "query_id": f"QU{q:06d}",
                "name": shown,
                # Customers have a date of birth on file: screening uses it as the second factor.
                "birth_date": dobs[q],
                "id_number": "",
                "expected_entry_id": "",
                "variant": "unlisted",
            }
        )
    return pd.DataFrame(rows)


def screening_scores(hits: pd.DataFrame, queries: pd.DataFrame) -> dict:
    """Recall on listed variants (the expected entry among the hits), overall and per variant,
    and the false-alert rate on unlisted names (any hit at all)."""
    found = set(zip(hits["query_id"], hits["entry_id"], strict=True))
    listed = queries[queries["expected_entry_id"] != ""]
    ok = np.array([(q, e) in found for q, e in zip(listed["query_id"], listed["expected_entry_id"], strict=True)])
    per_variant = {v: float(ok[(listed["variant"] == v).to_numpy()].mean()) for v in sorted(listed["variant"].unique())}
    unlisted = queries[queries["expected_entry_id"] == ""]
    alerted = set(hits["query_id"])
    false_rate = float(np.mean([q in alerted for q in unlisted["query_id"]])) if len(unlisted) else 0.0
    return {
        "recall": float(ok.mean()) if len(ok) else 0.0,
        "recall_by_variant": per_variant,
        "false_alert_rate": false_rate,
    }
