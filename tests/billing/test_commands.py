import importlib

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from billing.models import CreditAccount, CreditPack, EntryKind, Ledger, LedgerEntry
from billing.services import credit_hold_create
from tests.billing.factories import funded_account


@pytest.mark.django_db
def test_checkledgers_passes_when_every_account_matches_its_entries(owner, outsider, capsys):
    account = funded_account(owner, Ledger.API, 50)
    credit_hold_create(account=account, job_id="job-1", amount=20)
    funded_account(outsider, Ledger.USER, 5)
    CreditAccount.objects.create(user=outsider, ledger=Ledger.API)  # no entries, zero balance
    call_command("checkledgers")
    assert "All 3 credit accounts match" in capsys.readouterr().out


@pytest.mark.django_db
def test_checkledgers_finds_a_planted_mismatch(owner, outsider, capsys):
    good = funded_account(owner, Ledger.API, 50)
    bad = funded_account(outsider, Ledger.USER, 30)
    CreditAccount.objects.filter(pk=bad.pk).update(balance=45)  # credits out of thin air

    with pytest.raises(CommandError, match="1 of 2 credit accounts do not match"):
        call_command("checkledgers")

    report = capsys.readouterr().err
    assert f"account {bad.pk} (outsider@example.com, user): cached balance 45, held 0; " \
           "entries say balance 30, held 0" in report
    assert f"account {good.pk} " not in report


@pytest.mark.django_db
def test_checkledgers_also_checks_held_credits(owner):
    account = funded_account(owner, Ledger.API, 50)
    CreditAccount.objects.filter(pk=account.pk).update(held=10)
    with pytest.raises(CommandError):
        call_command("checkledgers")


@pytest.mark.django_db
def test_grantcredits_adds_credits_with_the_reason(owner, capsys):
    call_command("grantcredits", "--email", "OWNER@example.com", "--ledger", "user",
                 "--amount", "250", "--reason", "Ticket 7: goodwill")
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.amount, entry.reason, entry.account.ledger) == (
        EntryKind.GRANT, 250, "Ticket 7: goodwill", "user")
    assert "Granted 250 user credits to owner@example.com" in capsys.readouterr().out


@pytest.mark.django_db
def test_grantcredits_with_the_same_key_grants_once(owner):
    for _ in range(2):
        call_command("grantcredits", "--email", owner.email, "--ledger", "api", "--amount", "5",
                     "--reason", "x", "--idempotency-key", "ticket-7")
    assert CreditAccount.objects.get(user=owner, ledger="api").balance == 5


@pytest.mark.django_db
def test_grantcredits_explains_an_unknown_email_and_changes_nothing():
    with pytest.raises(CommandError, match="No user has the e-mail address 'nobody@example.com'"):
        call_command("grantcredits", "--email", "nobody@example.com", "--ledger", "api",
                     "--amount", "5", "--reason", "x")
    assert not LedgerEntry.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("option", "value"), [("--amount", "0"), ("--ledger", "gold")])
def test_grantcredits_refuses_bad_arguments(owner, option, value):
    args = {"--email": owner.email, "--ledger": "api", "--amount": "5", "--reason": "x",
            option: value}
    with pytest.raises(CommandError):
        call_command("grantcredits", *[part for pair in args.items() for part in pair])
    assert not LedgerEntry.objects.exists()


@pytest.mark.django_db
def test_default_packs_migration_offers_packs_on_both_ledgers():
    migration = importlib.import_module("billing.migrations.0003_default_credit_packs")
    CreditPack.objects.all().delete()
    migration.create_default_packs(apps, schema_editor=None)
    for ledger in Ledger.values:
        packs = CreditPack.objects.filter(ledger=ledger, active=True)
        assert packs.count() == 3
        assert all(pack.credits > 0 and pack.price_minor > 0 for pack in packs)
    migration.create_default_packs(apps, schema_editor=None)  # never duplicates
    assert CreditPack.objects.count() == 6
