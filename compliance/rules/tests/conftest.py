import pytest


@pytest.fixture
def shipped_versions(db):
    """rules-v1 live and rules-v2 in shadow, as the data migration leaves a fresh database (loaded
    again when a transactional test's flush emptied the table)."""
    import importlib

    from django.apps import apps

    from compliance.rules.models import RuleVersion

    migration = importlib.import_module("compliance.rules.migrations.0002_load_rules_v1_v2")
    migration.forward(apps, None)
    return RuleVersion.objects.get(name="rules-v1"), RuleVersion.objects.get(name="rules-v2")
