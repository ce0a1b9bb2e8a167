"""AML notifications come out in the recipient's language, not the actor's."""

from __future__ import annotations

import pytest
from django.utils import translation

from compliance import jobs, services
from compliance.models import Case
from compliance.tests.test_cases import _early_surrender, _user
from insurer.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_case_assigned_is_written_in_the_assignees_language(settings):
    _early_surrender()
    jobs._CACHE.clear()
    jobs.run_batch(actor=None, source="service")
    case = Case.objects.get()
    mlro, analyst = _user("boss", "mlro"), _user("ana", "aml_analyst")
    settings.LANGUAGE_CODE = "zh-hans"  # the analyst has no language of their own: the installation's
    with translation.override("en"):  # the MLRO works in English
        services.case_assign(actor=mlro, case=case, assignee=analyst)
    note = Notification.objects.get(recipient=analyst, kind="aml_case_assigned")
    assert note.title == f"反洗钱案件 {case.reference} 已分配给您"
