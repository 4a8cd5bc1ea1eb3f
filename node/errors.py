"""The domain's only exception vocabulary. No HTTP codes here: web/ maps them."""


class DomainError(Exception):
    """Base class; the message is safe to show to the person who caused it.

    The message is English for programs (the API's problem `detail`). `code`, when set, is a
    stable name of the reason (e.g. "debate_closed"): web/ maps it to a translated sentence
    instead of matching the wording, which may change.
    """

    def __init__(self, message: str = "", *, code: str | None = None):
        super().__init__(message)
        self.code = code


class NotFound(DomainError):
    pass


class Forbidden(DomainError):
    pass


class Conflict(DomainError):
    pass


class Invalid(DomainError):
    """Bad input. `field` names the offending input when there is one."""

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message, code=code)
        self.field = field
