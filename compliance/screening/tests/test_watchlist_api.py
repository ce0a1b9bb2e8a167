"""The watch-list import's API twin: the page's service, all or nothing, the same row errors as
JSON, the permission checked before the body is read."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from compliance.screening.models import Watchlist, WatchlistEntry
from insurer.ledger.models import AuditEvent

URL = "/api/v1/aml/screening/watchlists/import/"
OWN = "entry_id,name,birth_date,list\nA-1,王芳,1980-02-01,sanctions\nA-2,李娜,1981-01-01,pep\n"


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.mark.django_db
def test_a_csv_body_loads_the_list_and_a_reload_counts_what_changed(mlro):
    api = _api(mlro)
    first = api.post(URL + "?name=Own", OWN.encode(), content_type="text/csv")
    assert first.status_code == 201
    loaded = first.json()
    assert (loaded["name"], loaded["version"], loaded["entries_count"]) == ("Own", 1, 2)
    assert loaded["last_changes"] == {"new": 2, "changed": 0, "removed": 0, "unchanged": 0}
    again = "entry_id,name,birth_date,list\nA-1,王芳,1980-02-02,sanctions\nA-3,赵敏,1981-01-01,pep\n"
    second = api.post(URL, {"name": "Own", "csv": again}, format="json")
    assert second.status_code == 201
    assert second.json()["last_changes"] == {"new": 1, "changed": 1, "removed": 1, "unchanged": 0}
    assert AuditEvent.objects.filter(action="watchlist.load").count() == 2


@pytest.mark.django_db
def test_bad_rows_come_back_by_row_and_column_and_nothing_is_written(mlro):
    bad = "entry_id,name,birth_date,country,list\nA-1,王芳,1980-02-30,CN,sanctions\nA-2,,1980-01-01,CN,pep\n"
    refused = _api(mlro).post(URL + "?name=Own", bad.encode(), content_type="text/csv")
    assert refused.status_code == 400
    where = {(e["row"], e["column"]) for e in refused.json()["errors"]}
    assert where == {(1, "birth_date"), (2, "name")}
    assert not Watchlist.objects.exists() and not WatchlistEntry.objects.exists()
    no_file = _api(mlro).post(URL, {"name": "Own"}, format="json")
    assert no_file.status_code == 400 and "file" in no_file.json()["errors"]


@pytest.mark.django_db
def test_a_role_that_may_not_load_is_refused_before_the_body_is_read(persona_factory):
    refused = _api(persona_factory("aml_analyst")).post(URL + "?name=Own", b"not,a\ncsv", content_type="text/csv")
    assert refused.status_code == 403 and not Watchlist.objects.exists()
