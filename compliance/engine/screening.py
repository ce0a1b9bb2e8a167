"""Name screening against sanctions/PEP lists, with Chinese names handled properly.

Open screening tools do not transliterate Chinese, so a list entry 張偉 is missed when the
customer is recorded as 张伟, "ZHANG Wei", "Wei Zhang", "zhāngwěi" or "Zhang Wie". Each name
(entry or query) is reduced to *forms*:

- Hanzi names: Traditional -> Simplified (opencc t2s); pinyin with the surname's own reading
  for the first character(s) (compound surnames such as 欧阳, heteronym surnames such as 单
  Shan, 曾 Zeng, 区 Ou, 仇 Qiu, 解 Xie, 朴 Piao) and the readings of the given name's
  heteronyms (up to ``screening.max_heteronym_forms`` forms);
- Latin names: accents and tone marks stripped, punctuation split, tokens lower-cased; a
  single run-together pinyin token ("zhangxiaoming") is segmented into surname + given name.

Forms are compared by Jaro-Winkler (rapidfuzz) on the concatenated tokens in list order, with
the family name moved (given-name-first Latin order), and on sorted tokens (any reordering);
Hanzi against Hanzi is exact, homophone (same pinyin, other characters) or Indel similarity.
Date of birth and ID number are second factors that raise or lower the score.

Candidates come from an inverted index of blocking keys built once over the list (a token
paired with the first or last letter of another token, so one typo in one token still finds
the entry): no all-pairs comparison.
"""

from __future__ import annotations

import gc
import re
import unicodedata
from dataclasses import dataclass
from itertools import product

import numpy as np
import opencc
import pandas as pd
from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.constants import PINYIN_DICT
from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel, JaroWinkler

from .namegen import COMPOUND_SURNAMES, SURNAME_READING
from .parameters import Parameters, load_parameters

WATCHLIST_COLUMNS = ["entry_id", "name", "aliases", "birth_date", "id_number", "country", "list", "program"]
OPENSANCTIONS_COLUMNS = {"id", "schema", "name", "aliases", "birth_date", "countries", "identifiers", "dataset"}
_T2S = opencc.OpenCC("t2s")
HANZI_METHODS = ["hanzi_exact", "hanzi_traditional", "hanzi_homophone", "hanzi_fuzzy"]
# Whole-name Indel similarity (either order) below which no scorer reaches the match
# threshold: one typo in a short name still scores ~0.85; it only saves work.
PREFILTER_CUTOFF = 0.78
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SPLIT = re.compile(r"[^a-z0-9]+")


def _plain(text: str) -> str:
    """Lower-case ASCII: tone marks and accents removed, ü as v (pypinyin's convention)."""
    text = unicodedata.normalize("NFKD", text.lower().replace("u:", "v")).replace("u\u0308", "v")
    return "".join(c for c in text if not unicodedata.combining(c))


def _syllables() -> set[str]:
    out = set()
    for readings in PINYIN_DICT.values():
        for r in readings.split(","):
            out.add(_plain(r))
    return {s for s in out if s.isalpha()}


SYLLABLES = _syllables()
SURNAME_PINYIN = sorted(set(SURNAME_READING.values()), key=len, reverse=True)
SURNAME_SET = set(SURNAME_PINYIN)


def segment_pinyin(token: str) -> list[str] | None:
    """Split run-together pinyin into syllables (fewest syllables), or None if it is not pinyin."""
    n = len(token)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(i + 1, min(n, i + 6) + 1):
            piece = token[i:j]
            if piece in SYLLABLES and (best[j] is None or len(best[j]) > len(best[i]) + 1):
                best[j] = [*best[i], piece]
    return best[n]


@dataclass(frozen=True)
class NameForm:
    tokens: tuple[str, ...]  # Latin tokens; for Chinese names (surname, given name)
    hanzi: str  # simplified Hanzi, "" for Latin names
    chinese: bool  # tokens are pinyin with the surname first
    fixed: bool = False  # the query marked its family name (upper case): no reordering
    syllables: int = 0  # pinyin syllables (Chinese forms)

    @property
    def concat(self) -> str:
        return "".join(self.tokens)

    @property
    def rotated(self) -> str:
        """Family name moved: last token first (Latin lists) / surname last (given-name-first)."""
        if len(self.tokens) < 2:
            return self.concat
        if self.chinese:
            return "".join(self.tokens[1:]) + self.tokens[0]
        return self.tokens[-1] + "".join(self.tokens[:-1])

    @property
    def sorted_key(self) -> str:
        return " ".join(sorted(self.tokens))


MAX_TOKENS = 4


def _slots(tokens) -> list[str]:
    """Tokens padded to MAX_TOKENS slots (extra tokens folded into the last slot)."""
    t = [*list(tokens[: MAX_TOKENS - 1]), "".join(tokens[MAX_TOKENS - 1 :])]
    return t + [""] * (MAX_TOKENS - len(t))


def _rotate(form: NameForm) -> tuple[str, ...]:
    """The other conventional order: family name last (Chinese) / first (Latin)."""
    t = form.tokens
    if len(t) < 2:
        return t
    return (*t[1:], t[0]) if form.chinese else (t[-1], *t[:-1])


def _split_surname(simplified: str) -> tuple[str, str]:
    if simplified[:2] in COMPOUND_SURNAMES:
        return simplified[:2], simplified[2:]
    return simplified[:1], simplified[1:]


def hanzi_forms(name: str, max_forms: int = 4) -> list[NameForm]:
    """Pinyin forms of a Chinese name: surname reading first, then the given name's readings
    (phrase-aware default first, then heteronym alternatives)."""
    simplified = "".join(_HAN.findall(_T2S.convert(name)))
    if not simplified:
        return []
    surname, given = _split_surname(simplified)
    s_py = SURNAME_READING.get(surname) or "".join(lazy_pinyin(surname))
    n = len(simplified)
    forms = [NameForm((s_py, "".join(lazy_pinyin(given))) if given else (s_py,), simplified, True, False, n)]
    if given and max_forms > 1:
        readings = pinyin(given, heteronym=True, style=Style.NORMAL)
        for combo in product(*readings):
            f = NameForm((s_py, _plain("".join(combo))), simplified, True, False, n)
            if f not in forms:
                forms.append(f)
            if len(forms) >= max_forms:
                break
    return forms


def latin_forms(name: str) -> list[NameForm]:
    raw = [t for t in re.split(r"[\s,.\-'’]+", name) if t]
    # "ZHANG Wei" / "Wei ZHANG": a lone upper-case token is the family name; put it first and
    # do not try the other order for this query.
    upper = [i for i, t in enumerate(raw) if len(t) > 1 and t.isupper()]
    fixed = len(upper) == 1 and len(raw) > 1
    if fixed:
        raw = [raw[upper[0]], *raw[: upper[0]], *raw[upper[0] + 1 :]]
    tokens = [t for t in (_plain(x) for x in raw) for t in _SPLIT.split(t) if t]
    if not tokens:
        return []
    forms = [NameForm(tuple(tokens), "", False, fixed)]
    # Pinyin: regroup as (surname, given name); the surname is the first token (or the last,
    # given-name-first), or the leading syllables of one run-together token.
    if len(tokens) > 3 or any(segment_pinyin(t) is None for t in tokens):
        return forms
    candidates = []
    if len(tokens) == 1:
        joined = tokens[0]
        candidates = [(p, joined[len(p) :]) for p in SURNAME_PINYIN if joined.startswith(p) and len(joined) > len(p)]
        candidates = [c for c in candidates if segment_pinyin(c[1]) is not None][:1]
    else:
        if tokens[0] in SURNAME_SET:
            candidates.append((tokens[0], "".join(tokens[1:])))
        if tokens[-1] in SURNAME_SET and not fixed:
            candidates.append((tokens[-1], "".join(tokens[:-1])))
    for sur, given in candidates:
        f = NameForm((sur, given), "", True, fixed, len(segment_pinyin(sur + given) or ()))
        if f not in forms:
            forms.append(f)
    return forms


def name_forms(name: str, max_forms: int = 4) -> list[NameForm]:
    if not isinstance(name, str) or not name.strip():
        return []
    if _HAN.search(name):
        return hanzi_forms(name, max_forms)
    return latin_forms(name)


def blocking_keys(form: NameForm) -> set[str]:
    """Keys pairing each token with a fragment of another: its first two letters, its last two
    letters, its letters sorted (survives a transposition) and, for short tokens, its initial.
    One typo in one token leaves at least one key of the pair intact."""
    toks = form.tokens
    if len(toks) == 1:
        t = toks[0]
        return {f"{t}|", f"c4:{t[:4]}", f"e4:{t[-4:]}"}
    keys = set()
    for i, t in enumerate(toks):
        for j, o in enumerate(toks):
            if i != j:
                keys.add(f"{t}|{o[:2]}")
                keys.add(f"{t}|>{o[-2:]}")
                keys.add(f"{t}|={''.join(sorted(o))}")
                if len(o) <= 4:
                    keys.add(f"{t}|#{o[0]}")
    return keys


def _norm_id(value) -> str:
    return re.sub(r"[^0-9A-Z]", "", str(value).upper()) if isinstance(value, str) else ""


def _dob(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    s = str(value).strip()
    return "" if s in ("", "NaT", "nan", "None") else s[:10]


# -- watch lists ---------------------------------------------------------------------------
def load_watchlist(source) -> pd.DataFrame:
    """Read a watch list (path or frame) in our layout or OpenSanctions' targets.simple.csv
    layout; return our layout with aliases as lists. Raises ValueError naming a missing column."""
    frame = source if isinstance(source, pd.DataFrame) else pd.read_csv(source, dtype=str, keep_default_na=False)
    cols = set(frame.columns)
    if cols >= OPENSANCTIONS_COLUMNS:
        out = pd.DataFrame(
            {
                "entry_id": frame["id"],
                "name": frame["name"],
                "aliases": frame["aliases"],
                "birth_date": frame["birth_date"].fillna("").astype(str).str.split(";").str[0],
                "id_number": frame["identifiers"],
                "country": frame["countries"],
                "list": frame["dataset"],
                "program": frame.get("sanctions", pd.Series("", index=frame.index)),
                "schema": frame["schema"],
            }
        )
    else:
        for col in ("entry_id", "name"):
            if col not in cols:
                raise ValueError(
                    f"watchlist.{col}: required column missing (our layout or OpenSanctions targets.simple)"
                )
        out = frame.copy()
        for col in WATCHLIST_COLUMNS:
            if col not in out:
                out[col] = ""
    out["aliases"] = [
        [a.strip() for a in str(x).split(";") if a.strip()] if isinstance(x, str) else list(x) if x is not None else []
        for x in out["aliases"].fillna("")
    ]
    out["birth_date"] = [_dob(x) for x in out["birth_date"]]
    return out.reset_index(drop=True)


class WatchlistIndex:
    """Forms and blocking keys of every list entry, built once; ``screen`` looks one name up."""

    def __init__(self, watchlist: pd.DataFrame, params: Parameters | None = None) -> None:
        self.params = params or load_parameters()
        self.cfg = self.params.screening
        wl = load_watchlist(watchlist)
        self.entries = wl
        self.entry_ids = wl["entry_id"].astype(str).to_numpy()
        self.entry_list = wl["list"].fillna("").astype(str).to_numpy()
        self.entry_program = wl["program"].fillna("").astype(str).to_numpy()
        self.entry_dob = np.array([_dob(x) for x in wl["birth_date"]], dtype=object)
        self.entry_id_numbers = [
            {_norm_id(x) for x in str(v).split(";") if _norm_id(x)} if isinstance(v, str) else set()
            for v in wl["id_number"]
        ]
        id_index: dict[str, list[int]] = {}
        for i, ids in enumerate(self.entry_id_numbers):
            for x in ids:
                id_index.setdefault(x, []).append(i)
        self.id_index = {k: np.array(v, dtype=np.int64) for k, v in id_index.items()}
        form_entry, form_text, forms, form_pinyin, form_syllables = [], [], [], [], []
        for i, (name, aliases) in enumerate(zip(wl["name"], wl["aliases"], strict=True)):
            for text in [name, *aliases]:
                text_forms = name_forms(text, self.cfg["max_heteronym_forms"])
                # Hanzi, or Latin that is valid pinyin: every form of the text counts as pinyin.
                pinyin_text = any(f.chinese for f in text_forms)
                syllables = max((f.syllables for f in text_forms), default=0)
                for f in text_forms:
                    form_entry.append(i)
                    form_text.append(text)
                    forms.append(f)
                    form_pinyin.append(pinyin_text)
                    form_syllables.append(syllables)
        self.forms = forms
        self.form_entry = np.array(form_entry, dtype=np.int64)
        self.form_text = form_text
        self.form_arrays = {
            "tok": [np.array([_slots(f.tokens)[i] for f in forms], dtype=object) for i in range(MAX_TOKENS)],
            "rot": [np.array([_slots(_rotate(f))[i] for f in forms], dtype=object) for i in range(MAX_TOKENS)],
            "syllables": np.array(form_syllables, dtype=np.int64),
            "chinese": np.array([f.chinese for f in forms], dtype=bool),
            "sorted": np.array([f.sorted_key for f in forms], dtype=object),
            "concat": np.array([f.concat for f in forms], dtype=object),
            "rotated": np.array([f.rotated for f in forms], dtype=object),
            "hanzi": np.array([f.hanzi for f in forms], dtype=object),
            "pinyin": np.array(form_pinyin, dtype=bool),
        }
        postings: dict[str, list[int]] = {}
        hanzi: dict[str, list[int]] = {}
        for k, f in enumerate(forms):
            for key in blocking_keys(f):
                postings.setdefault(key, []).append(k)
            if f.hanzi:
                hanzi.setdefault(f.hanzi, []).append(k)
        self.postings = {key: np.array(v, dtype=np.int64) for key, v in postings.items()}
        self.hanzi = {key: np.array(v, dtype=np.int64) for key, v in hanzi.items()}

    def __len__(self) -> int:
        return len(self.entry_ids)

    def _candidates(self, qforms: list[NameForm]) -> np.ndarray:
        parts = []
        for f in qforms:
            for key in blocking_keys(f):
                p = self.postings.get(key)
                if p is not None:
                    parts.append(p)
            if f.hanzi and f.hanzi in self.hanzi:
                parts.append(self.hanzi[f.hanzi])
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def _prefilter(self, qforms: list[NameForm], cand: np.ndarray) -> np.ndarray:
        """One cheap pass (Jaro-Winkler of the whole name, both orders, with a cutoff) so the
        token-level scoring runs on tens of candidates, not the whole block."""
        f = self.form_arrays
        keep = np.zeros(len(cand), dtype=bool)
        for qf in qforms:
            for arr in (f["concat"], f["rotated"]):
                s = process.cdist(
                    [qf.concat], arr[cand], scorer=Indel.normalized_similarity, score_cutoff=PREFILTER_CUTOFF
                )
                keep |= s[0] > 0
            if qf.hanzi:
                keep |= f["hanzi"][cand] == qf.hanzi
        return cand[keep]

    def _name_scores(self, qforms: list[NameForm], cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Best name similarity per candidate form, and the method that produced it."""
        scores = _CandidateScores(self.form_arrays, self.cfg, cand)
        # A Latin query that is valid pinyin yields a Latin and a Chinese form with the same
        # tokens: score each token sequence once (the method label comes from the entry).
        seen: set[tuple] = set()
        for qf in qforms:
            if (qf.tokens, qf.hanzi, qf.fixed) in seen:
                continue
            seen.add((qf.tokens, qf.hanzi, qf.fixed))
            scores.token_passes(qf)
            if qf.hanzi:
                scores.hanzi_pass(qf)
        if any(q.chinese for q in qforms):
            scores.cap_other_syllables(qforms)
        return scores.best, scores.method

    def screen(self, name: str, birth_date=None, id_number=None, limit: int = 50) -> list[dict]:
        """Hits for one name, best first: entry_id, list, program, matched_name, method,
        name_score, score, second_factor."""
        qforms = name_forms(name, self.cfg["max_heteronym_forms"])
        qid = _norm_id(id_number) if id_number else ""
        if not qforms:
            return []
        cand = self._candidates(qforms)
        if len(cand):
            cand = self._prefilter(qforms, cand)
        # An identical ID number is a hit whatever the name looks like: add the entry's forms.
        by_id = self.id_index.get(qid, np.zeros(0, dtype=np.int64)) if qid else np.zeros(0, dtype=np.int64)
        if len(by_id):
            cand = np.union1d(cand, np.flatnonzero(np.isin(self.form_entry, by_id)))
        if not len(cand):
            return []
        best, method = self._name_scores(qforms, cand)
        if qforms[0].hanzi and _T2S.convert(name) != name:
            method = np.where(method == "hanzi_exact", "hanzi_traditional", method)
        # Best form per entry (a Hanzi match wins a tie: it is the stronger evidence).
        entries = self.form_entry[cand]
        not_hanzi = ~np.isin(method, HANZI_METHODS)
        order = np.lexsort((not_hanzi, -best, entries))
        first = np.ones(len(order), dtype=bool)
        first[1:] = entries[order][1:] != entries[order][:-1]
        keep = order[first]
        floor = self.cfg["match_threshold"] - self.cfg["dob_match_bonus"]
        keep = keep[(best[keep] >= floor - 1e-9) | np.isin(entries[keep], by_id)]
        qdob = _dob(birth_date)
        hits = []
        for k in keep:
            e = int(entries[k])
            score, factor = float(best[k]), "none"
            edob = self.entry_dob[e]
            if qid and self.entry_id_numbers[e]:
                if qid in self.entry_id_numbers[e]:
                    score, factor = max(score, self.cfg["id_match_score"]), "id_match"
                else:
                    score, factor = score - self.cfg["id_mismatch_penalty"], "id_mismatch"
            elif qdob and edob:
                # A list may give only the year of birth: compare at the precision it has.
                n = min(len(qdob), len(edob))
                if qdob == edob:
                    score, factor = min(1.0, score + self.cfg["dob_match_bonus"]), "dob_match"
                elif qdob[:n] == edob[:n]:
                    factor = "dob_year_match"  # the year alone is too weak to raise the score
                else:
                    score, factor = score - self.cfg["dob_mismatch_penalty"], "dob_mismatch"
            if score >= self.cfg["match_threshold"] - 1e-9:
                hits.append(
                    {
                        "entry_id": self.entry_ids[e],
                        "list": self.entry_list[e],
                        "program": self.entry_program[e],
                        "matched_name": self.form_text[cand[k]],
                        "method": str(method[k]),
                        "name_score": round(float(best[k]), 4),
                        "score": round(score, 4),
                        "second_factor": factor,
                    }
                )
        hits.sort(key=lambda h: -h["score"])
        return hits[:limit]


class _CandidateScores:
    """Running best score and method per candidate form of one query.

    Token-aligned Jaro-Winkler: the weakest token-to-token score in list order or with the
    family name moved, so a shared surname cannot carry a different given name (concatenated
    Jaro-Winkler would score Yang Huaxing ~ Yang Leiyang at 0.9)."""

    def __init__(self, arrays: dict, cfg: dict, cand: np.ndarray) -> None:
        self.f, self.cfg, self.cand = arrays, cfg, cand
        self.best = np.zeros(len(cand))
        self.method = np.full(len(cand), "", dtype=object)
        self.concat = arrays["concat"][cand]
        self.chinese = arrays["chinese"][cand]
        self.pinyin = arrays["pinyin"][cand]

    @staticmethod
    def jw(q: str, choices) -> np.ndarray:
        return process.cdist([q], choices, scorer=JaroWinkler.normalized_similarity, dtype=np.float32)[0]

    def take(self, score: np.ndarray, label) -> None:
        better = score > self.best + 1e-9
        self.best = np.where(better, score, self.best)
        self.method[better] = label[better] if isinstance(label, np.ndarray) else label

    def aligned(self, q_tokens, slots) -> np.ndarray:
        """Weakest token-to-token score, slot by slot (an empty slot must meet an empty one)."""
        q = _slots(q_tokens)
        out = np.ones(len(self.cand))
        for i in range(MAX_TOKENS):
            c = slots[i][self.cand]
            if not q[i]:
                out = np.where(c == "", out, 0.0)
                continue
            # Jaro-Winkler's prefix bonus rates "aleison" ~ "aleikhiason" at 0.93; capping it
            # by Indel similarity (+ a small allowance) keeps a shared prefix from carrying a
            # different token. Single typos are caught by the whole-name typo pass.
            strict = process.cdist([q[i]], c, scorer=Indel.normalized_similarity, dtype=np.float32)[0]
            out = np.minimum(out, np.minimum(self.jw(q[i], c), strict + self.cfg["token_indel_allowance"]))
        return out

    def token_passes(self, qf: NameForm) -> None:
        # A query that marked its family name (upper case) is compared only with each entry's
        # family-name-first order: Chinese forms as stored, Latin ones rotated.
        in_order = self.aligned(qf.tokens, self.f["tok"])
        rotated = self.aligned(qf.tokens, self.f["rot"])
        if qf.fixed:
            in_order = np.where(self.chinese, in_order, 0.0)
            rotated = np.where(self.chinese, 0.0, rotated)
        # The method names the entry's script: a Latin query meeting a Hanzi/pinyin entry is a
        # pinyin match.
        base = np.where(self.pinyin, "pinyin", "latin_jw").astype(object)
        self.take(in_order, base)
        self.take(rotated, "reordered")
        # Typos: Jaro-Winkler on the whole name, only within a few edits (OSA counts a
        # transposition as one): short tokens like "wie"/"wei" defeat token-wise Jaro.
        for choices, label, allowed in (
            (self.concat, "typo", (not qf.fixed) | self.chinese),
            (self.f["rotated"][self.cand], "typo_reordered", (not qf.fixed) | ~self.chinese),
        ):
            edits = process.cdist([qf.concat], choices, scorer=OSA.distance, dtype=np.int32)[0]
            near = (edits <= self.cfg["typo_max_edits"]) & allowed
            if near.any():
                exact_label = base if label == "typo" else "reordered"
                self.take(np.where(near, self.jw(qf.concat, choices), 0.0), np.where(edits == 0, exact_label, label))
        # Any other order of three or more tokens: Indel on sorted tokens (no prefix bonus).
        if len(qf.tokens) >= 3:
            sorted_keys = self.f["sorted"][self.cand]
            self.take(
                process.cdist([qf.sorted_key], sorted_keys, scorer=Indel.normalized_similarity, dtype=np.float32)[0],
                "token_sort",
            )

    def hanzi_pass(self, qf: NameForm) -> None:
        """Hanzi against Hanzi: exact, homophone (same pinyin, other characters) or, when
        they sound different, the characters' Indel similarity decides."""
        hanzi = self.f["hanzi"][self.cand]
        has = hanzi != ""
        exact = has & (hanzi == qf.hanzi)
        homophone = has & ~exact & (self.concat == qf.concat)
        other = has & ~exact & ~homophone
        if other.any():
            sim = process.cdist([qf.hanzi], hanzi[other], scorer=Indel.normalized_similarity)[0]
            keep_exact = self.method[other] == "hanzi_exact"
            self.best[other] = np.where(keep_exact, self.best[other], sim)
            self.method[other] = np.where(keep_exact, self.method[other], "hanzi_fuzzy")
        hp = homophone & (self.method != "hanzi_exact")
        self.best[hp] = self.cfg["hanzi_homophone_factor"]
        self.method[hp] = "hanzi_homophone"
        self.best[exact] = 1.0
        self.method[exact] = "hanzi_exact"

    def cap_other_syllables(self, qforms: list[NameForm]) -> None:
        """Valid pinyin spelling other syllables is another name, not a typo: cap it below the
        threshold (it may still alert with a second factor). Exception: a one-edit slip that
        changed the syllable count ("Maa Beijia" for Ma Beijia) is a typo that spells pinyin."""
        cap = self.cfg["valid_pinyin_mismatch_cap"]
        q_keys = list({q.concat for q in qforms} | {q.rotated for q in qforms})
        hanzi_method = np.isin(self.method, HANZI_METHODS)
        same_count = np.isin(self.f["syllables"][self.cand], [q.syllables for q in qforms if q.chinese])
        mask = self.pinyin & (self.best > cap) & (self.best < 1.0) & ~hanzi_method & ~np.isin(self.concat, q_keys)
        if mask.any():
            q_concat = next(q.concat for q in qforms if q.chinese)
            edits = process.cdist([q_concat], self.concat, scorer=OSA.distance, dtype=np.int32)[0]
            mask &= ~(~same_count & (edits <= self.cfg["typo_max_edits"]))
        self.best[mask] = cap
        self.method[mask] = "pinyin_other_syllables"


def screen_names(
    index: WatchlistIndex, names: pd.DataFrame, id_column: str = "query_id", workers: int = 1
) -> pd.DataFrame:
    """Screen a frame of names (id_column, name, optional birth_date, id_number); one row per hit.
    ``workers`` > 1 forks processes that share the index (copy-on-write)."""
    if "name" not in names.columns or id_column not in names.columns:
        raise ValueError(f"names.{'name' if 'name' not in names.columns else id_column}: required column missing")
    rows = list(
        zip(
            names[id_column],
            names["name"],
            names["birth_date"] if "birth_date" in names else [None] * len(names),
            names["id_number"] if "id_number" in names else [None] * len(names),
            strict=True,
        )
    )
    if workers > 1 and len(rows) > 200:
        import multiprocessing as mp

        global _WORKER_INDEX
        _WORKER_INDEX = index
        chunks = [rows[i::workers] for i in range(workers)]
        # gc.freeze keeps the children's collector from writing into (and so copying) every
        # page of the index they share copy-on-write with the parent.
        gc.freeze()
        try:
            with mp.get_context("fork").Pool(workers) as pool:
                parts = pool.map(_screen_chunk, chunks)
        finally:
            gc.unfreeze()
        out = [h for part in parts for h in part]
    else:
        out = _screen_rows(index, rows)
    cols = [id_column, "entry_id", "list", "program", "matched_name", "method", "name_score", "score", "second_factor"]
    return pd.DataFrame([{id_column: q, **h} for q, h in out], columns=cols)


_WORKER_INDEX: WatchlistIndex | None = None


def _screen_rows(index: WatchlistIndex, rows) -> list[tuple]:
    return [(q, h) for q, name, dob, idn in rows for h in index.screen(name, dob, idn)]


def _screen_chunk(rows) -> list[tuple]:
    return _screen_rows(_WORKER_INDEX, rows)


def screen_customers(index: WatchlistIndex, customers: pd.DataFrame, workers: int = 1) -> pd.DataFrame:
    """Screening hits for customers (customer_ref, name, birth_date, id_number): the L13 input."""
    hits = screen_names(index, customers, id_column="customer_ref", workers=workers)
    hits["confirmed"] = False  # only an analyst confirms a hit
    return hits
