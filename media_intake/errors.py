"""The one exception every input check raises: which input, and one sentence about what is wrong."""


class InputError(Exception):
    """A user-supplied input that cannot be used.

    `field` is the contract's name of the input ("formState.audio", or "file" for an upload),
    `message` one sentence a user can act on. Messages normally start with the field name, so
    `str(err)` is the message itself; otherwise it is "<field>: <message>".

    `reason` is a short machine-readable tag the API can map to a status code:
    "too_large" (413 for uploads), "not_allowed" (scheme, private address), "download_failed",
    "timeout", "unreadable", "too_long", "empty".
    """

    def __init__(self, field: str, message: str, *, reason: str = "invalid") -> None:
        self.field = field
        self.message = message
        self.reason = reason
        super().__init__(field, message)

    def __str__(self) -> str:
        if self.message.startswith(self.field):
            return self.message
        return f"{self.field}: {self.message}"

    def __repr__(self) -> str:
        return f"InputError({self.field!r}, {self.message!r}, reason={self.reason!r})"
