"""The Simplified Chinese catalogue is complete and compiled, and pages speak it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import polib
import pytest
from django.urls import reverse
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _compile_script():
    spec = importlib.util.spec_from_file_location("compile_messages", ROOT / "scripts" / "compile_messages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_message_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(PO))
    live = [e for e in po if not e.obsolete]
    assert len(live) > 300
    assert [e.msgid for e in live if "fuzzy" in e.flags] == []
    assert [e.msgid for e in live if not e.translated()] == []
    assert not po.metadata_is_fuzzy
    assert po.metadata["Plural-Forms"].startswith("nplurals=1")


def test_placeholders_survive_translation():
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]|%\(\w+\)02X")
    for entry in polib.pofile(str(PO)):
        if entry.obsolete or entry.msgid_plural:
            continue
        assert sorted(placeholder.findall(entry.msgid)) == sorted(placeholder.findall(entry.msgstr)), entry.msgid


def test_the_committed_mo_is_compiled_from_the_po():
    assert MO.read_bytes() == _compile_script().compiled_bytes(PO), "run python scripts/compile_messages.py"


def test_chinese_translations_are_served_by_django():
    with translation.override("zh-hans"):
        assert translation.gettext("Policies") == "保单"
        assert translation.gettext("Sign in") == "登录"
        assert translation.ngettext("%(years)s year", "%(years)s years", 3) % {"years": 3} == "3 年"


@pytest.mark.django_db
def test_a_page_asked_for_in_chinese_is_in_chinese(client):
    page = client.get(reverse("login"), headers={"Accept-Language": "zh-CN,zh-Hans;q=0.9"})
    body = page.content.decode()
    assert '<html lang="zh-hans">' in body
    assert "登录" in body and "用户名" in body


@pytest.mark.django_db
def test_the_language_cookie_switches_a_signed_in_users_pages(client, aml_analyst):
    from django.conf import settings

    client.force_login(aml_analyst)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    body = client.get(reverse("customers:policy_list")).content.decode()
    assert "保单" in body and "应用筛选" in body and "Apply filters" not in body
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Apply filters" in client.get(reverse("customers:policy_list")).content.decode()


@pytest.mark.django_db
def test_the_language_switcher_sets_the_cookie(client, aml_analyst):
    client.force_login(aml_analyst)
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/book/policies/"})
    assert response.status_code == 302 and response["Location"] == "/book/policies/"
    assert "仪表盘" in client.get(reverse("customers:policy_list")).content.decode()
