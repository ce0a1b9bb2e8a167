"""Loading watch lists: both layouts, all-or-nothing with errors by row and column, reloads
that mark what changed (and only that is re-screened)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from compliance.screening import services
from compliance.screening.models import Watchlist, WatchlistEntry
from insurer.errors import RowErrors
from insurer.ledger.models import AuditEvent

OPENSANCTIONS = (
    "id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,emails,dataset,"
    "first_seen,last_seen,last_change\n"
    "NK-1,Person,張偉,ZHANG Wei;Wei Zhang,1970-03-01,cn,,G12345678,Demo programme,,,demo_sanctions,"
    "2026-01-01,2026-09-30,2026-09-30\n"
    "Q7747,Person,Ivan Petrov,Иван Петров,1952,ru;ua,,,,,,wd_peps,2026-01-01,2026-09-30,2026-09-30\n"
)


def test_opensanctions_layout_loads_with_flags_and_audit(mlro):
    wl = services.watchlist_import(actor=mlro, name="OS", data=OPENSANCTIONS.encode(), source="targets.simple.csv")
    assert (wl.source_kind, wl.version, wl.entries_count) == ("opensanctions", 1, 2)
    nk = WatchlistEntry.objects.get(entry_id="NK-1")
    assert nk.aliases == ["ZHANG Wei", "Wei Zhang"] and nk.id_numbers == ["G12345678"] and nk.countries == ["cn"]
    assert nk.is_sanctioned and not nk.is_pep
    pep = WatchlistEntry.objects.get(entry_id="Q7747")
    assert pep.is_pep and not pep.is_sanctioned and pep.birth_date == "1952" and pep.countries == ["ru", "ua"]
    event = AuditEvent.objects.get(action="watchlist.load")
    assert event.changes["after"]["new"] == 2 and event.actor_name == mlro.username


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_written(mlro):
    bad = (
        "entry_id,name,birth_date,country,list\n"
        "A-1,王芳,1980-02-30,CN,sanctions\n"  # no such date
        "A-2,,1980-01-01,CN,pep\n"  # no name
        "A-3,李娜,1980-01-01,C1,pep\n"  # not a country code
        "A-1,赵敏,1981-01-01,CN,sanctions\n"  # repeated id
        "A-5,周杰,1982-01-01,CN,blacklist\n"  # unknown list
        "A-6,吴磊,1983-01-01,CN,sanctions\n"
    )
    with pytest.raises(RowErrors) as caught:
        services.watchlist_import(actor=mlro, name="Own", data=bad.encode(), source="own.csv")
    where = {(e.row, e.column) for e in caught.value.errors}
    assert where == {(1, "birth_date"), (2, "name"), (3, "country"), (4, "entry_id"), (5, "list")}
    assert not Watchlist.objects.exists() and not WatchlistEntry.objects.exists()
    assert not AuditEvent.objects.filter(action="watchlist.load").exists()


def test_missing_column_is_a_file_error(mlro):
    with pytest.raises(RowErrors) as caught:
        services.watchlist_import(actor=mlro, name="Own", data=b"id,schema,name\nX,Person,Y\n")
    assert {e.column for e in caught.value.errors} >= {"aliases", "birth_date", "sanctions", "dataset"}


def test_reload_marks_new_changed_and_removed_entries(mlro):
    own = "entry_id,name,birth_date,list\nA-1,王芳,1980-02-01,sanctions\nA-2,李娜,1981-01-01,pep\n"
    services.watchlist_import(actor=mlro, name="Own", data=own, rescreen=False)
    again = "entry_id,name,birth_date,list\nA-1,王芳,1980-02-02,sanctions\nA-3,赵敏,1981-01-01,pep\n"
    wl = services.watchlist_import(actor=mlro, name="Own", data=again, rescreen=False)
    assert wl.version == 2 and wl.last_changes == {"new": 1, "changed": 1, "removed": 1, "unchanged": 0}
    changed = set(WatchlistEntry.objects.filter(changed_in_version=2).values_list("entry_id", flat=True))
    assert changed == {"A-1", "A-3"}
    assert not WatchlistEntry.objects.get(entry_id="A-2").active


@pytest.mark.parametrize("role", ["aml_analyst", "internal_auditor", "underwriter"])
def test_only_mlro_and_compliance_officer_load_lists(persona_factory, role):
    with pytest.raises(PermissionDenied):
        services.watchlist_import(actor=persona_factory(role), name="X", data=OPENSANCTIONS)


def test_a_load_queues_the_rescreen_job_after_commit(compliance_officer, django_capture_on_commit_callbacks):
    from insurer.jobs.models import Job

    with django_capture_on_commit_callbacks(execute=True):
        wl = services.watchlist_import(actor=compliance_officer, name="OS", data=OPENSANCTIONS)
    job = Job.objects.get(kind="aml_rescreen")
    assert job.parameters["watchlist"] == wl.pk and job.parameters["version"] == 1
