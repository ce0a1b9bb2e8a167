import pytest


@pytest.fixture
def shipped_versions(db):
    """rules-v1 live, rules-v2 in shadow and rules-v3 a draft, as the data migrations leave a fresh
    database (loaded again when a transactional test's flush emptied the table)."""
    import importlib

    from django.apps import apps

    from compliance.rules.models import RuleVersion

    for name in ("0002_load_rules_v1_v2", "0003_load_rules_v3"):
        importlib.import_module(f"compliance.rules.migrations.{name}").forward(apps, None)
    return RuleVersion.objects.get(name="rules-v1"), RuleVersion.objects.get(name="rules-v2")
