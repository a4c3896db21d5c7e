from django.db import transaction

from accounts.models import User


@transaction.atomic
def user_create(*, email: str, password: str, name: str = "") -> User:
    return User.objects.create_user(email=email, password=password, name=name)
