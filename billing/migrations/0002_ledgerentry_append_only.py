"""The database itself refuses to change ledger entries: history is append-only.

PostgreSQL refuses UPDATE and DELETE. SQLite (development only) refuses UPDATE: Django's test
runner empties SQLite tables with DELETE, while on PostgreSQL it uses TRUNCATE, which fires no
row triggers.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION billing_ledgerentry_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'billing_ledgerentry is append-only (% refused); post a new entry instead',
        TG_OP;
END
$$;
CREATE TRIGGER billing_ledgerentry_append_only
    BEFORE UPDATE OR DELETE ON billing_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION billing_ledgerentry_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS billing_ledgerentry_append_only ON billing_ledgerentry;
DROP FUNCTION IF EXISTS billing_ledgerentry_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER billing_ledgerentry_append_only BEFORE UPDATE ON billing_ledgerentry
BEGIN
    SELECT RAISE(ABORT, 'billing_ledgerentry is append-only; post a new entry instead');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS billing_ledgerentry_append_only;"


def _run(sql_by_vendor):
    def run(apps, schema_editor):
        sql = sql_by_vendor.get(schema_editor.connection.vendor)
        if sql:
            schema_editor.execute(sql, params=None)  # no placeholders: keep "%" as is

    return run


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
