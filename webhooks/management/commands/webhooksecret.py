from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from webhooks.services import signing_secret_get_or_create


class Command(BaseCommand):
    help = "Print a user's webhook signing secret (created if the user has none yet)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)

    def handle(self, *args, email: str, **options):
        User = get_user_model()
        try:
            owner = User.objects.get_by_natural_key(email)
        except User.DoesNotExist:
            raise CommandError(f"No user with e-mail {email!r}.") from None
        self.stdout.write(signing_secret_get_or_create(owner=owner).secret)
