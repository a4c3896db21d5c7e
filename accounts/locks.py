"""The one way to lock a user's row: it serialises an account's limit checks (jobs running at
once, API keys, upload quota), so two requests or workers at once cannot both pass a limit.
Call inside transaction.atomic; take it before any credit account lock."""

from accounts.models import User


def user_lock(user_id) -> None:
    User.objects.select_for_update().filter(pk=user_id).first()
