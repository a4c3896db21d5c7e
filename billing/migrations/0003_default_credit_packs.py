"""Packs to start selling with (about 1 cent per credit, cheaper in bulk); staff edit them in
the admin. Nothing is created when packs already exist."""

from django.db import migrations

DEFAULT_PACKS = [
    # (ledger, name, credits, price in cents)
    ("api", "API Starter", 1_000, 1_000),
    ("api", "API Growth", 5_000, 4_500),
    ("api", "API Scale", 25_000, 20_000),
    ("user", "Starter", 200, 300),
    ("user", "Creator", 1_000, 1_200),
    ("user", "Studio", 5_000, 5_000),
]


def create_default_packs(apps, schema_editor):
    CreditPack = apps.get_model("billing", "CreditPack")
    if CreditPack.objects.exists():
        return
    CreditPack.objects.bulk_create(
        CreditPack(ledger=ledger, name=name, credits=credits, price_minor=price, currency="usd")
        for ledger, name, credits, price in DEFAULT_PACKS
    )


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_ledgerentry_append_only")]

    operations = [
        migrations.RunPython(create_default_packs, migrations.RunPython.noop),
    ]
