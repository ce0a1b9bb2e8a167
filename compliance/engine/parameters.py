"""The AML rule catalogue as versioned, parameterised data (``data/rules-v1.yaml``).

Every threshold, window and weight the engine uses lives in the YAML with its source, so a
compliance officer can change a calibration by publishing a new version of the file rather
than a code change. Loading validates the whole file and raises ``ValueError`` naming the bad
field (``rules.L01.params.window_days.value: ...``) so a broken file never reaches a run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CATALOGUE_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_PATH = CATALOGUE_DIR / "rules-v1.yaml"
RULE_IDS = tuple(f"L{i:02d}" for i in range(1, 14))

# What each rule needs: parameter name -> kind. "num" is a non-negative number, "int" a
# positive integer, "share" a number in [0, 1], "list" a list of strings, "bool" a flag.
RULE_PARAMS: dict[str, dict[str, str]] = {
    "L01": {
        "window_days": "int",
        "min_payments": "int",
        "near_threshold_low": "share",
        "near_threshold_high": "share",
        "split_min_parties": "int",
        "methods": "list",
    },
    "L02": {
        "income_multiple": "num",
        "sudden_multiple": "num",
        "sudden_min_prior_premiums": "int",
        "sudden_min_amount": "num",
    },
    "L03": {
        "max_months": "int",
        "higher_tier_months": "int",
        "higher_tier_weight": "num",
        "min_penalty_share": "share",
    },
    "L04": {"default_cooling_off_days": "int", "grace_days": "num"},
    "L05": {"payout_kinds": "list", "family_relations": "list"},
    "L06": {"max_payers_per_policy": "int", "exempt_family_payers": "bool"},
    "L07": {"overpay_ratio": "num", "refund_within_days": "int"},
    "L08": {
        "loan_share_of_cash_value": "share",
        "early_days": "int",
        "frequent_count": "int",
        "frequent_window_days": "int",
        "cash_value_to_premiums": "num",
    },
    "L09": {"window_days": "int", "payout_kinds": "list"},
    "L10": {"min_policies": "int", "window_days": "int", "min_distinct_holders": "int"},
    "L11": {
        "cash_equivalent_methods": "list",
        "min_source_accounts": "int",
        "source_account_window_days": "int",
        "high_risk_countries": "list",
    },
    "L12": {"min_share_pct": "num", "max_depth": "int"},
    "L13": {"min_hit_score": "share", "roles": "list"},
}
# Parameters added by a later catalogue version. A file that predates one (rules-v1) gets the
# default, which keeps that file's behaviour exactly: parameter name -> (kind, default).
# "num0"/"int0" accept zero (zero switches the calibration off).
OPTIONAL_RULE_PARAMS: dict[str, dict[str, tuple[str, Any]]] = {
    "L02": {
        # rules-v3: the income multiple is compared with single premiums only (the red flag's
        # own words: "single premium >= 5x declared annual income"); False: every premium.
        "income_single_premium_only": ("bool", False),
    },
    "L05": {
        # rules-v3: payees a claim is paid to under the contract itself ("insured", the life
        # assured of a medical or critical-illness claim; "beneficiary", one named on the
        # policy), who are not third parties for a claim; [] = none (every non-holder).
        "claim_contract_payees": ("list", []),
    },
    "L06": {
        # rules-v3: the weight of a lone third-party payer who has paid since the policy's first
        # premium (None: the rule's weight); a payer appearing later keeps the rule's weight.
        "from_issue_weight": ("num0", None),
    },
    "L11": {
        # rules-v2: a cash-equivalent premium alerts only from this amount (CNY) ...
        "cash_equivalent_min_amount": ("num0", 0.0),
        # ... or when it breaks the policy's habit: the first cash-equivalent premium after at
        # least this many premiums paid otherwise (0 = no such branch).
        "cash_equivalent_switch_min_prior": ("int0", 0),
    },
    "L13": {
        # rules-v3: a listed payer is flagged on the first premium it pays on each policy, not
        # on every instalment (one alert per monthly episode); False: every premium.
        "payer_first_premium_only": ("bool", False),
    },
}
LARGE_VALUE_FIELDS = {
    "due_working_days": "int",
    "cash_cny": "num",
    "nonnatural_transfer_cny": "num",
    "natural_domestic_transfer_cny": "num",
    "natural_crossborder_transfer_cny": "num",
    "cash_usd": "num",
    "nonnatural_transfer_usd": "num",
    "natural_domestic_transfer_usd": "num",
    "natural_crossborder_transfer_usd": "num",
}
SCORING_FIELDS = {
    "review": "num",
    "hold": "num",
    "freeze": "num",
    "episode_gap_days": "int",
    "str_due_working_days": "int",
}
SCREENING_FIELDS = {
    "match_threshold": "share",
    "hanzi_homophone_factor": "share",
    "valid_pinyin_mismatch_cap": "share",
    "dob_match_bonus": "share",
    "dob_mismatch_penalty": "share",
    "id_match_score": "share",
    "id_mismatch_penalty": "share",
    "max_heteronym_forms": "int",
    "typo_max_edits": "int",
    "token_indel_allowance": "share",
}
RATING_FIELDS = {"medium_from": "num", "high_from": "num", "premium_over_income_multiple": "num"}
RATING_LISTS = (
    "high_risk_jurisdictions",
    "elevated_jurisdictions",
    "cash_intensive_occupations",
    "investment_products",
    "remote_channels",
)
RATING_WEIGHTS = (
    "high_risk_jurisdiction",
    "elevated_jurisdiction",
    "cash_intensive_occupation",
    "pep",
    "investment_product",
    "remote_channel",
    "cash_payments",
    "third_party_payments",
    "premium_over_income",
    "organisation_opaque",
)


@dataclass(frozen=True)
class Rule:
    rule_id: str
    name: str
    version: int
    effective_from: dt.date
    weight: float
    source: str
    values: dict[str, Any]
    sources: dict[str, str]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


@dataclass(frozen=True)
class Parameters:
    catalogue: str
    version: int
    effective_from: dt.date
    sources: dict[str, str]
    rules: dict[str, Rule]
    large_value: dict[str, Any]
    scoring: dict[str, Any]
    screening: dict[str, Any]
    risk_rating: dict[str, Any]
    path: str = field(default="")

    @property
    def label(self) -> str:
        """Catalogue and version, carried on every alert so an outcome can be traced to its calibration."""
        return f"{self.catalogue}@v{self.version}"

    def tier(self, score: float, confirmed_sanctions: bool = False) -> str:
        s = self.scoring
        if confirmed_sanctions or score >= s["freeze"]:
            return "freeze"
        if score >= s["hold"]:
            return "hold"
        if score >= s["review"]:
            return "review"
        return "none"


def _check(value: Any, kind: str, where: str) -> Any:
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{where}: expected true or false, got {value!r}")
        return value
    if kind == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{where}: expected a list of strings, got {value!r}")
        return list(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}: expected a number, got {value!r}")
    if kind == "int0" and (int(value) != value or value < 0):
        raise ValueError(f"{where}: expected a whole number (0 or more), got {value!r}")
    if kind == "int" and (int(value) != value or value < 1):
        raise ValueError(f"{where}: expected a positive whole number, got {value!r}")
    if value < 0:
        raise ValueError(f"{where}: must not be negative, got {value!r}")
    if kind == "share" and value > 1:
        raise ValueError(f"{where}: expected a share between 0 and 1, got {value!r}")
    return int(value) if kind in ("int", "int0") else float(value)


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{where}: expected an ISO date, got {value!r}") from None


def _section(doc: dict, name: str) -> dict:
    sec = doc.get(name)
    if not isinstance(sec, dict):
        raise ValueError(f"{name}: missing or not a mapping")
    return sec


def _fields(sec: dict, spec: dict[str, str], prefix: str) -> dict[str, Any]:
    out = {}
    for key, kind in spec.items():
        if key not in sec:
            raise ValueError(f"{prefix}.{key}: missing")
        out[key] = _check(sec[key], kind, f"{prefix}.{key}")
    return out


def _source(value: Any, sources: dict[str, str], where: str) -> str:
    if value not in sources:
        raise ValueError(f"{where}: unknown source {value!r} (declare it under sources)")
    return value


def _rule(rule_id: str, raw: Any, sources: dict[str, str]) -> Rule:
    where = f"rules.{rule_id}"
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: missing or not a mapping")
    for key in ("name", "version", "effective_from", "weight", "source", "params"):
        if key not in raw:
            raise ValueError(f"{where}.{key}: missing")
    weight = raw["weight"]
    # A rule may lower the score (spec), so the weight may be negative: only its type is checked.
    if isinstance(weight, bool) or not isinstance(weight, int | float):
        raise ValueError(f"{where}.weight: expected a number, got {weight!r}")
    params = raw["params"]
    if not isinstance(params, dict):
        raise ValueError(f"{where}.params: not a mapping")
    values, param_sources = {}, {}
    for name, kind in RULE_PARAMS[rule_id].items():
        p = params.get(name)
        pw = f"{where}.params.{name}"
        if not isinstance(p, dict) or "value" not in p or "source" not in p:
            raise ValueError(f"{pw}: missing (needs value and source)")
        values[name] = _check(p["value"], kind, f"{pw}.value")
        param_sources[name] = _source(p["source"], sources, f"{pw}.source")
    for name, (kind, default) in OPTIONAL_RULE_PARAMS.get(rule_id, {}).items():
        p = params.get(name)
        pw = f"{where}.params.{name}"
        if p is None:  # the file predates the parameter: its default keeps the rule as its source wrote it
            values[name], param_sources[name] = default, _source(raw["source"], sources, f"{where}.source")
            continue
        if not isinstance(p, dict) or "value" not in p or "source" not in p:
            raise ValueError(f"{pw}: needs value and source")
        values[name] = _check(p["value"], kind, f"{pw}.value")
        param_sources[name] = _source(p["source"], sources, f"{pw}.source")
    unknown = set(params) - set(RULE_PARAMS[rule_id]) - set(OPTIONAL_RULE_PARAMS.get(rule_id, {}))
    if unknown:
        raise ValueError(f"{where}.params.{sorted(unknown)[0]}: unknown parameter")
    return Rule(
        rule_id=rule_id,
        name=str(raw["name"]),
        version=_check(raw["version"], "int", f"{where}.version"),
        effective_from=_date(raw["effective_from"], f"{where}.effective_from"),
        weight=float(weight),
        source=_source(raw["source"], sources, f"{where}.source"),
        values=values,
        sources=param_sources,
    )


def parse_parameters(doc: Any, path: str = "") -> Parameters:
    """Validate a parsed YAML document; raise ValueError naming the first bad field."""
    if not isinstance(doc, dict):
        raise ValueError("document: expected a mapping at the top level")
    for key in ("catalogue", "version", "effective_from"):
        if key not in doc:
            raise ValueError(f"{key}: missing")
    sources = _section(doc, "sources")
    rules_raw = _section(doc, "rules")
    rules = {rid: _rule(rid, rules_raw.get(rid), sources) for rid in RULE_IDS}
    extra = set(rules_raw) - set(RULE_IDS)
    if extra:
        raise ValueError(f"rules.{sorted(extra)[0]}: unknown rule id")

    lv_raw = _section(doc, "large_value_reports")
    large_value = _fields(lv_raw, LARGE_VALUE_FIELDS, "large_value_reports")
    large_value["home_country"] = str(lv_raw.get("home_country", "CN"))
    large_value["source"] = _source(lv_raw.get("source"), sources, "large_value_reports.source")

    scoring = _fields(_section(doc, "scoring"), SCORING_FIELDS, "scoring")
    if not scoring["review"] <= scoring["hold"] <= scoring["freeze"]:
        raise ValueError("scoring.hold: tiers must rise: review <= hold <= freeze")

    screening = _fields(_section(doc, "screening"), SCREENING_FIELDS, "screening")

    rr_raw = _section(doc, "risk_rating")
    rating = _fields(rr_raw, RATING_FIELDS, "risk_rating")
    weights = rr_raw.get("weights")
    if not isinstance(weights, dict):
        raise ValueError("risk_rating.weights: missing or not a mapping")
    rating["weights"] = {}
    for w in RATING_WEIGHTS:
        if w not in weights:
            raise ValueError(f"risk_rating.weights.{w}: missing")
        rating["weights"][w] = _check(weights[w], "num", f"risk_rating.weights.{w}")
    for name in RATING_LISTS:
        rating[name] = _check(rr_raw.get(name), "list", f"risk_rating.{name}")
    review = rr_raw.get("review_months")
    if not isinstance(review, dict):
        raise ValueError("risk_rating.review_months: missing or not a mapping")
    rating["review_months"] = {
        k: _check(review.get(k), "int", f"risk_rating.review_months.{k}") for k in ("low", "medium", "high")
    }

    return Parameters(
        catalogue=str(doc["catalogue"]),
        version=_check(doc["version"], "int", "version"),
        effective_from=_date(doc["effective_from"], "effective_from"),
        sources={str(k): str(v) for k, v in sources.items()},
        rules=rules,
        large_value=large_value,
        scoring=scoring,
        screening=screening,
        risk_rating=rating,
        path=path,
    )


_CACHE: dict[str, Parameters] = {}


def shipped_catalogues() -> dict[str, Path]:
    """The catalogue files shipped with the engine, by name ("rules-v1", "rules-v2", ...)."""
    return {p.stem: p for p in sorted(CATALOGUE_DIR.glob("rules-v*.yaml"))}


def read_document(path: str | Path) -> dict:
    """A catalogue file as a plain JSON-ready document (dates as ISO strings), unvalidated."""
    with open(path, encoding="utf-8") as fh:
        try:
            doc = yaml.safe_load(fh)
        except yaml.YAMLError as exc:
            raise ValueError(f"document: not valid YAML ({exc})") from None
    return plain_document(doc)


def plain_document(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): plain_document(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_document(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def load_parameters(path: str | Path | None = None) -> Parameters:
    """Load and validate a catalogue file (default: the shipped rules-v1.yaml); cached per path."""
    p = str(Path(path) if path else DEFAULT_PATH)
    if p not in _CACHE:
        with open(p, encoding="utf-8") as fh:
            try:
                doc = yaml.safe_load(fh)
            except yaml.YAMLError as exc:
                raise ValueError(f"document: not valid YAML ({exc})") from None
        _CACHE[p] = parse_parameters(doc, path=p)
    return _CACHE[p]
