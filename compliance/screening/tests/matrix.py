"""Permission-matrix endpoints of screening and due diligence (insurer/testing/matrix.py)."""

from __future__ import annotations

from insurer.testing.matrix import WRITE, Endpoint

P = "compliance_screening."
OWN_CSV = "entry_id,name,birth_date,list\nMX-1,矩阵测试人,1970-01-01,sanctions\n"


def world(builders) -> dict:
    import datetime as dt

    from django.utils import timezone

    from compliance.screening.models import CustomerRiskRating, EddTask, ScreeningHit, Watchlist, WatchlistEntry

    person = builders.person(name="张伟", birth_date=dt.date(1970, 3, 1), customer_ref="C7000001")
    wl = Watchlist.objects.create(name="Matrix list", source_kind="own", version=1)
    entry = WatchlistEntry.objects.create(
        watchlist=wl, entry_id="MX-0", name="張偉", birth_date="1970-03-01", content_hash="x"
    )
    now = timezone.now()
    hit = ScreeningHit.objects.create(
        customer=person,
        entry=entry,
        score="0.99",
        name_score="0.95",
        method="hanzi_traditional",
        matched_name="張偉",
        second_factor="dob_match",
        basis_hash="b",
        last_screened=now,
    )
    CustomerRiskRating.objects.create(
        customer=person,
        score=60,
        computed_rating="high",
        rating="high",
        reasons=["pep (+50)"],
        inputs_hash="i",
        computed_at=now,
        review_months=12,
        next_review=dt.date(2027, 1, 1),
    )
    edd = EddTask.objects.create(customer=person, reason="high", opened_at=now, due=dt.date(2027, 1, 1))
    return {"aml_person": person, "aml_watchlist": wl, "aml_hit": hit, "aml_edd": edd}


VIEW_HIT, VIEW_WL, VIEW_RATING = P + "view_screeninghit", P + "view_watchlist", P + "view_customerriskrating"

ENDPOINTS = [
    Endpoint("compliance_screening:hits", lambda w: "/compliance/screening/hits/", VIEW_HIT),
    Endpoint(
        "compliance_screening:hit",
        lambda w: f"/compliance/screening/hits/{w['aml_hit'].pk}/",
        VIEW_HIT,
        object_permission=VIEW_HIT,
    ),
    Endpoint(
        "compliance_screening:hit_review",
        lambda w: f"/compliance/screening/hits/{w['aml_hit'].pk}/review/",
        P + "review_screeninghit",
        kind=WRITE,
        method="post",
        object_permission=VIEW_HIT,
        data=lambda w: {"disposition": "false_match", "reason": "different person: birth date differs"},
    ),
    Endpoint(
        "compliance_screening:hit_confirm",
        lambda w: f"/compliance/screening/hits/{w['aml_hit'].pk}/confirm/",
        P + "confirm_screeninghit",
        kind=WRITE,
        method="post",
        object_permission=VIEW_HIT,
        data=lambda w: {"decision": "confirm", "reason": "same ID"},
    ),
    Endpoint("compliance_screening:watchlists", lambda w: "/compliance/screening/watchlists/", VIEW_WL),
    Endpoint(
        "compliance_screening:watchlist",
        lambda w: f"/compliance/screening/watchlists/{w['aml_watchlist'].pk}/",
        VIEW_WL,
        object_permission=VIEW_WL,
    ),
    Endpoint(
        "compliance_screening:watchlist_import",
        lambda w: "/compliance/screening/watchlists/import/",
        P + "import_watchlist",
        kind=WRITE,
        method="post",
        data=lambda w: {"name": "Matrix list"},
    ),
    Endpoint(
        "aml-screening-watchlist-import",
        lambda w: "/api/v1/aml/screening/watchlists/import/",
        P + "import_watchlist",
        kind=WRITE,
        method="post",
        api=True,
        data=lambda w: {"name": "Matrix list"},  # no file: 400 for those allowed
        content_type="application/json",
    ),
    Endpoint("compliance_screening:ratings", lambda w: "/compliance/screening/ratings/", VIEW_RATING),
    Endpoint(
        "compliance_screening:edd_complete",
        lambda w: f"/compliance/screening/edd/{w['aml_edd'].pk}/complete/",
        P + "complete_eddtask",
        kind=WRITE,
        method="post",
        object_permission=P + "view_eddtask",
        data=lambda w: {"findings": "source of wealth documented"},
    ),
    Endpoint(
        "compliance_screening:profile",
        lambda w: f"/compliance/customers/{w['aml_person'].customer_ref}/profile/",
        VIEW_RATING,
    ),
    Endpoint("aml-screening-hits", lambda w: "/api/v1/aml/screening/hits/", VIEW_HIT, api=True),
    Endpoint(
        "aml-screening-hit",
        lambda w: f"/api/v1/aml/screening/hits/{w['aml_hit'].pk}/",
        VIEW_HIT,
        api=True,
        object_permission=VIEW_HIT,
    ),
    Endpoint(
        "aml-screening-hit-review",
        lambda w: f"/api/v1/aml/screening/hits/{w['aml_hit'].pk}/review/",
        P + "review_screeninghit",
        kind=WRITE,
        method="post",
        api=True,
        object_permission=VIEW_HIT,
        data=lambda w: {"disposition": "false_match", "reason": "different person: birth date differs"},
        content_type="application/json",
    ),
    Endpoint(
        "aml-screening-hit-confirm",
        lambda w: f"/api/v1/aml/screening/hits/{w['aml_hit'].pk}/confirm/",
        P + "confirm_screeninghit",
        kind=WRITE,
        method="post",
        api=True,
        object_permission=VIEW_HIT,
        data=lambda w: {"decision": "confirm", "reason": "same ID"},
        content_type="application/json",
    ),
    Endpoint(
        "aml-customer-risk",
        lambda w: f"/api/v1/aml/customers/{w['aml_person'].customer_ref}/risk/",
        VIEW_RATING,
        api=True,
    ),
    Endpoint(
        "aml-edd-complete",
        lambda w: f"/api/v1/aml/edd/{w['aml_edd'].pk}/complete/",
        P + "complete_eddtask",
        kind=WRITE,
        method="post",
        api=True,
        object_permission=P + "view_eddtask",
        data=lambda w: {"findings": "source of wealth documented"},
        content_type="application/json",
    ),
    Endpoint(
        "aml-screening-screen",
        lambda w: "/api/v1/aml/screening/screen/",
        P + "screen_name",
        kind=WRITE,
        method="post",
        api=True,
        data=lambda w: {"name": "Zhang Wei", "birth_date": "1970-03-01"},
        content_type="application/json",
    ),
]
