from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apikeys.errors import TooManyApiKeys
from apikeys.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key for a user; the key is printed as the last line (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="")

    def handle(self, *args, email: str, name: str, **options):
        User = get_user_model()
        try:
            owner = User.objects.get_by_natural_key(email)
        except User.DoesNotExist:
            raise CommandError(f"No user with e-mail {email!r}.") from None
        try:
            api_key, full_key = api_key_create(owner=owner, name=name)
        except TooManyApiKeys as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(f"Created {api_key.masked} for {owner.email}. It is not shown again.")
        self.stdout.write(full_key)
