"""Old home of `grant` and `key_client`, kept for the engine tests that still import them from
here; new tests use tests.billing.factories.funded_account and tests.apikeys.factories."""

from tests.apikeys.factories import key_client
from tests.billing.factories import funded_account as grant

__all__ = ["grant", "key_client"]
