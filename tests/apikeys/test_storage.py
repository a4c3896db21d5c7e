import pytest
from django.core.management import call_command
from django.db import connection

from apikeys.models import ApiKey
from apikeys.secrets import hash_secret, parse_key
from tests.apikeys.factories import make_key


def _every_stored_value() -> str:
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            dump.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(dump)


@pytest.mark.django_db
def test_the_secret_appears_nowhere_in_the_database(owner):
    api_key, full_key = make_key(owner, name="ci")
    secret = parse_key(full_key).secret
    assert len(secret) >= 32
    assert full_key.startswith(f"sk_{api_key.key_id}_")
    stored = _every_stored_value()
    assert api_key.key_id in stored
    assert secret not in stored
    assert ApiKey.objects.get().secret_hash == hash_secret(secret)


@pytest.mark.django_db
def test_createapikey_prints_a_working_key_last(owner, capsys):
    call_command("createapikey", "--email", "OWNER@example.com", "--name", "support")
    full_key = capsys.readouterr().out.strip().splitlines()[-1]
    api_key = ApiKey.objects.get(owner=owner, name="support")
    assert hash_secret(parse_key(full_key).secret) == api_key.secret_hash


@pytest.mark.django_db
def test_createapikey_fails_clearly_for_an_unknown_email():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user with e-mail 'ghost@example.com'"):
        call_command("createapikey", "--email", "ghost@example.com")
    assert not ApiKey.objects.exists()
