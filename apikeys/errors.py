"""Errors of the API key services."""


class TooManyApiKeys(Exception):
    """The account already has LIPSYNC_MAX_API_KEYS active keys."""

    def __init__(self, maximum: int):
        self.maximum = maximum
        super().__init__(f"This account already has {maximum} active API keys, the most allowed; "
                         "revoke one to create another.")
