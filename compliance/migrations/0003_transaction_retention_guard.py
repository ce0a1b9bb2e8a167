"""PostgreSQL: book transactions are deleted only by the retention purge.

A row trigger refuses every DELETE on customers_policytransaction unless the transaction has
set ``insurer.retention_purge`` to 'on' (set_config(..., true): this transaction only), which
only compliance.holds.retention.record_delete does, after checking the record's retention in
Python (retention_of, the one place the rule lives). A database guard rather than Django's
pre_delete signal, which would turn every ORM delete of transactions into a query per row and
would not see raw SQL at all. TRUNCATE (the demo wipe) fires no row trigger and stays a DBA's
operation. SQLite keeps the pre_delete signal (compliance.holds.retention.connect): the demo's
raw wipe there is a plain DELETE, which a trigger would refuse.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION compliance_transaction_retention_guard() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('insurer.retention_purge', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE = 'transaction ' || OLD.txn_ref
        || ' is kept under the retention schedule: book transactions are deleted only by the retention purge'
        || ' (compliance.holds.retention.record_delete), which checks their retention first';
END;
$$ LANGUAGE plpgsql;
"""
TRIGGER = """
CREATE TRIGGER compliance_transaction_retention_guard BEFORE DELETE ON customers_policytransaction
FOR EACH ROW EXECUTE FUNCTION compliance_transaction_retention_guard();
"""
DROP = """
DROP TRIGGER IF EXISTS compliance_transaction_retention_guard ON customers_policytransaction;
DROP FUNCTION IF EXISTS compliance_transaction_retention_guard();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)
        schema_editor.execute(TRIGGER, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0002_clock_rule_aml_review"), ("customers", "0004_policy_list_order_index")]

    operations = [migrations.RunPython(forward, backward)]
