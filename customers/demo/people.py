"""Customers (persons and organisations) and the beneficial owners of organisations.

Everything is drawn from one numpy Generator, column by column, so a (size, seed) pair
always gives the same people; only the encryption nonces differ between runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from customers.demo import reference as ref
from customers.demo.dates import add_months, age_at
from customers.demo.params import AS_OF
from customers.identity import make_resident_id, make_uscc

ORG_SHARE = 0.03
# Relative weight of each age (at the as-of date) among persons: working-age adults
# dominate, children are insured by their parents' policies.
_AGE_BANDS = ((0, 18, 0.6), (18, 25, 1.0), (25, 55, 2.2), (55, 65, 1.4), (65, 75, 0.8), (75, 91, 0.3))


@dataclass
class People:
    ref: np.ndarray  # customer_ref
    kind: np.ndarray  # "person" | "organisation"
    name: np.ndarray
    id_type: np.ndarray
    id_number: np.ndarray
    birth: np.ndarray  # datetime64[D], NaT for organisations
    sex: np.ndarray  # "M" | "F" | ""
    phone: np.ndarray
    address: np.ndarray
    nationality: np.ndarray
    occupation: np.ndarray
    income: np.ndarray  # whole yuan, -1 = unknown
    risk: np.ndarray
    account: np.ndarray  # a stable bank account per customer, for transactions
    region: np.ndarray  # index into reference.regions()

    def __len__(self) -> int:
        return len(self.ref)


@dataclass
class Owners:
    organisation: np.ndarray  # customer index
    owner: np.ndarray  # customer index
    share_bp: np.ndarray  # share in 1/10,000 of a percent (4 decimals)
    control: np.ndarray  # bool


def _ages(rng: np.random.Generator, n: int) -> np.ndarray:
    ages = np.arange(91)
    w = np.zeros(91)
    for lo, hi, weight in _AGE_BANDS:
        w[lo:hi] = weight
    return rng.choice(ages, size=n, p=w / w.sum())


def _birth_dates(rng: np.random.Generator, ages: np.ndarray) -> np.ndarray:
    """A birth date giving exactly ``ages`` completed years on the as-of date."""
    as_of = np.full(len(ages), np.datetime64(AS_OF, "D"))
    latest = add_months(as_of, -12 * ages)
    earliest = add_months(as_of, -12 * (ages + 1)) + np.timedelta64(1, "D")
    span = (latest - earliest).astype(int) + 1
    return latest - (rng.random(len(ages)) * span).astype(int).astype("m8[D]")


def _person_names(rng: np.random.Generator, sex: np.ndarray) -> np.ndarray:
    names, weights = ref.surnames()
    surname = rng.choice(names, size=len(sex), p=weights)
    male, female = np.array(list(ref.GIVEN_MALE)), np.array(list(ref.GIVEN_FEMALE))
    first = np.where(sex == "M", rng.choice(male, len(sex)), rng.choice(female, len(sex)))
    second = np.where(sex == "M", rng.choice(male, len(sex)), rng.choice(female, len(sex)))
    two_chars = rng.random(len(sex)) < 0.7
    given = np.where(two_chars, np.char.add(first, second), first)
    return np.char.add(surname, given)


def _regions_for(rng: np.random.Generator, birth_year: np.ndarray, big_only: bool = False) -> np.ndarray:
    """A region whose code existed in the birth year (the ID would be invalid otherwise)."""
    reg = ref.regions()
    weight = np.where(reg.big_city, reg.weight, 0.0) if big_only else reg.weight
    idx = rng.choice(len(reg.code), size=len(birth_year), p=weight / weight.sum())
    always = np.flatnonzero(reg.valid_from == 0)
    always_w = reg.weight[always] / reg.weight[always].sum()
    too_new = reg.valid_from[idx] > birth_year
    idx[too_new] = rng.choice(always, size=int(too_new.sum()), p=always_w)
    return idx


def _addresses(rng: np.random.Generator, region: np.ndarray, organisation: np.ndarray) -> np.ndarray:
    reg = ref.regions()
    n = len(region)
    city = np.where(reg.city[region] == reg.province[region], "", reg.city[region])
    place = np.char.add(np.char.add(reg.province[region], city), reg.district[region])
    street = np.char.add(rng.choice(np.array(ref.STREETS), n), rng.integers(1, 999, n).astype(str))
    home = [
        f"号{b}栋{u}单元{r}室"
        for b, u, r in zip(rng.integers(1, 30, n), rng.integers(1, 6, n), rng.integers(101, 2899, n), strict=True)
    ]
    office = [f"号{f}层" for f in rng.integers(1, 40, n)]
    return np.char.add(np.char.add(place, street), np.where(organisation, office, home))


def _resident_ids(rng: np.random.Generator, region_codes, birth, sex) -> np.ndarray:
    """Valid numbers, unique: within one (region, birth date) the sequences differ."""
    n = len(birth)
    key = np.char.add(region_codes, birth.astype(str))
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    first = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(n) - group_start
    base = rng.integers(0, 499, size=n)
    base_sorted = base[order][group_start]
    base_of = np.empty(n, dtype=int)
    base_of[order] = base_sorted
    # 7 is coprime with 499, so up to 499 people of one day and district get distinct numbers.
    seq = (base_of + rank * 7) % 499 + 1
    births = birth.astype(dt.date)
    return np.array(
        [make_resident_id(r, b, int(s), x) for r, b, s, x in zip(region_codes, births, seq, sex, strict=True)]
    )


def _occupations(rng: np.random.Generator, ages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    names = np.array([o[0] for o in ref.OCCUPATIONS])
    median = np.array([o[1] for o in ref.OCCUPATIONS], dtype=float)
    w = np.array([o[2] for o in ref.OCCUPATIONS])
    pick = rng.choice(len(names), size=len(ages), p=w / w.sum())
    occupation, med = names[pick].astype("U12"), median[pick]
    retired = (ages >= 60) & (rng.random(len(ages)) < 0.75)
    occupation[retired], med[retired] = ref.RETIRED
    student = (ages < 18) | ((ages < 23) & (rng.random(len(ages)) < 0.6))
    occupation[student] = np.where(ages[student] < 6, "学龄前儿童", "学生")
    income = np.round(med * rng.lognormal(0.0, 0.55, len(ages)), -3).astype(np.int64)
    income[student] = -1
    return occupation, income


def _risk(rng: np.random.Generator, nationality, income, organisation) -> np.ndarray:
    u = rng.random(len(income))
    medium = (nationality != "CN") | (income > 2_000_000) | organisation
    risk = np.where(u < 0.03, "high", np.where((u < 0.15) | (medium & (u < 0.6)), "medium", "low"))
    return risk


def _phones(rng: np.random.Generator, region: np.ndarray, organisation: np.ndarray, ages: np.ndarray):
    n = len(region)
    mobile = np.char.add(
        rng.choice(np.array(ref.MOBILE_PREFIXES), n), np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8)
    )
    landline = np.char.add(ref.regions().area_code[region], rng.integers(20_000_000, 89_999_999, n).astype(str))
    phone = np.where(organisation, landline, mobile)
    phone[~organisation & (ages < 16)] = ""  # young children have no phone of their own
    return phone


def _nationalities(rng: np.random.Generator, person: np.ndarray) -> np.ndarray:
    nationality = np.full(len(person), "CN", dtype="U2")
    codes = np.array([c for c, _ in ref.FOREIGN_NATIONALITIES])
    edges = np.cumsum([s for _, s in ref.FOREIGN_NATIONALITIES])
    u = rng.random(len(person))
    foreign = person & (u < edges[-1])
    nationality[foreign] = codes[np.searchsorted(edges, u[foreign], side="right")]
    return nationality


def _identity_numbers(rng: np.random.Generator, id_type, region, birth, sex) -> np.ndarray:
    """Resident IDs for PRC citizens, USCCs for organisations, passport numbers otherwise."""
    id_number = np.empty(len(id_type), dtype="U20")
    reg_codes = ref.regions().code
    resident = np.flatnonzero(id_type == "resident_id")
    id_number[resident] = _resident_ids(rng, reg_codes[region[resident]], birth[resident], sex[resident])
    orgs = np.flatnonzero(id_type == "uscc")
    serials = rng.choice(10**8, size=len(orgs), replace=False) + 10**8
    id_number[orgs] = [make_uscc(reg_codes[r], int(s)) for r, s in zip(region[orgs], serials, strict=True)]
    passports = np.flatnonzero(id_type == "passport")
    id_number[passports] = np.char.add("P", np.char.zfill((10_000_000 + passports).astype(str), 8))
    return id_number


def generate_people(rng: np.random.Generator, n: int) -> People:
    organisation = rng.random(n) < ORG_SHARE
    person = ~organisation
    ages = np.where(person, _ages(rng, n), 99)
    birth = np.where(person, _birth_dates(rng, ages), np.datetime64("NaT"))
    sex = np.where(person, np.where(rng.random(n) < 0.5, "M", "F"), "")
    birth_year = np.where(person, birth.astype("M8[Y]").astype(int) + 1970, 3000)
    region = _regions_for(rng, birth_year)
    region[organisation] = _regions_for(rng, birth_year[organisation], big_only=True)

    nationality = _nationalities(rng, person)
    foreign = nationality != "CN"

    name = _person_names(rng, sex).astype("U60")
    org_idx = np.flatnonzero(organisation)
    suffix_w = np.array([s[2] for s in ref.ORG_SUFFIXES])
    suffix = rng.choice(len(ref.ORG_SUFFIXES), size=len(org_idx), p=suffix_w / suffix_w.sum())
    city = np.char.replace(ref.regions().city[region[org_idx]], "市", "")
    words = np.char.add(
        rng.choice(np.array(ref.ORG_WORDS), len(org_idx)), rng.choice(np.array(ref.ORG_WORDS), len(org_idx))
    )
    name[org_idx] = np.char.add(np.char.add(city, words), np.array([s[0] for s in ref.ORG_SUFFIXES])[suffix])

    occupation, income = _occupations(rng, ages)
    occupation = occupation.astype("U40")
    occupation[org_idx] = np.array([s[1] for s in ref.ORG_SUFFIXES])[suffix]
    income[org_idx] = np.round(rng.lognormal(np.log(8_000_000), 1.0, len(org_idx)), -3).astype(np.int64)

    id_type = np.where(organisation, "uscc", np.where(nationality == "CN", "resident_id", "passport"))
    id_number = _identity_numbers(rng, id_type, region, birth, sex)

    account_tail = np.char.zfill(rng.integers(0, 10**13, n).astype(str), 13)
    account = np.char.add(rng.choice(np.array(ref.BANK_PREFIXES), n), account_tail)
    account[foreign] = np.char.add(nationality[foreign], account_tail[foreign])
    return People(
        ref=np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), 8)),
        kind=np.where(organisation, "organisation", "person"),
        name=name,
        id_type=id_type,
        id_number=id_number,
        birth=birth,
        sex=sex,
        phone=_phones(rng, region, organisation, ages),
        address=_addresses(rng, region, organisation),
        nationality=nationality,
        occupation=occupation,
        income=income,
        risk=_risk(rng, nationality, income, organisation),
        account=account,
        region=region,
    )


def generate_owners(rng: np.random.Generator, people: People) -> Owners:
    """1-4 owners per organisation: adults, and for ~20% of the stakes another organisation
    (always one further down the list, so ownership chains never loop)."""
    orgs = np.flatnonzero(people.kind == "organisation")
    adults = np.flatnonzero((people.kind == "person") & (age_at(people.birth, np.datetime64(AS_OF, "D")) >= 25))
    counts = rng.choice([1, 2, 3, 4], size=len(orgs), p=[0.3, 0.35, 0.25, 0.1])
    org = np.repeat(orgs, counts)
    pos_in_orgs = np.repeat(np.arange(len(orgs)), counts)
    owner = rng.choice(adults, size=len(org))
    later = len(orgs) - 1 - pos_in_orgs  # organisations after this one in the list
    as_org = (rng.random(len(org)) < 0.2) & (later > 0)
    pick = pos_in_orgs[as_org] + 1 + (rng.random(int(as_org.sum())) * later[as_org]).astype(int)
    owner[as_org] = orgs[pick]

    total = np.where(rng.random(len(orgs)) < 0.7, 100.0, rng.uniform(60, 100, len(orgs)))
    raw = rng.gamma(1.2, size=len(org))
    group_sum = np.bincount(pos_in_orgs, weights=raw)
    share = raw / group_sum[pos_in_orgs] * total[pos_in_orgs]
    share_bp = np.floor(share * 10_000).astype(np.int64)  # floor keeps each sum <= 100
    keep = np.ones(len(org), dtype=bool)
    pair = org.astype(np.int64) * (len(people) + 1) + owner
    _, first = np.unique(pair, return_index=True)
    keep[:] = False
    keep[first] = True
    biggest = np.zeros(len(org), dtype=bool)
    order = np.lexsort((-share_bp, pos_in_orgs))
    starts = np.r_[True, pos_in_orgs[order][1:] != pos_in_orgs[order][:-1]]
    biggest[order[starts]] = True
    control = (biggest & (share_bp > 500_000)) | (rng.random(len(org)) < 0.05)
    return Owners(org[keep], owner[keep], share_bp[keep], control[keep])
