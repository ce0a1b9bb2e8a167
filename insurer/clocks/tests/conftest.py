import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

PRC = ZoneInfo("Asia/Shanghai")


def shanghai(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PRC)


@pytest.fixture
def at(monkeypatch):
    """Set the wall clock (django.utils.timezone.now) to a Shanghai time."""

    def set_now(*args):
        moment = shanghai(*args)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return set_now


@pytest.fixture
def staff(db):
    """A user holding one role since 2000, so back-dated wall clocks still see the grant."""
    from django.contrib.auth import get_user_model

    from insurer.access.services import grant_system

    def make(code: str, name: str | None = None):
        user = get_user_model().objects.create_user(username=name or f"{code}-staff", password="x")
        grant_system(user=user, role=code, reason="clock test", valid_from=dt.date(2000, 1, 1))
        return user

    return make


@pytest.fixture(autouse=True)
def _rule_catalogue(request):
    """The data migration loads C1–C15, but a transactional test anywhere in the session
    empties every table afterwards (flush); load them again when they are gone."""
    if not {"db", "transactional_db"} & set(request.fixturenames):
        return
    from insurer.clocks.models import ClockRule
    from insurer.clocks.rules import rules_load

    if not ClockRule.objects.exists():
        rules_load(ClockRule)
