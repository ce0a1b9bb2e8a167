"""Approval notifications come out in the recipient's language, not the maker's."""

from __future__ import annotations

import pytest
from django.utils import translation

from insurer.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_approval_assigned_is_written_in_the_approvers_language(crew, submit, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the supervisor has no language of their own: the installation's
    with translation.override("en"):  # the maker works in English
        submit(crew["maker"], "800000")
        assert translation.get_language() == "en"
    note = Notification.objects.get(recipient=crew["sup"], kind="approval_assigned")
    assert note.title.startswith("待审批：Pay claim of 800000（800000") and "第 1 步" in note.title
    assert "To approve" not in note.title
