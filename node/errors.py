"""The domain's only exception vocabulary. No HTTP codes here: web/ maps them."""


class DomainError(Exception):
    """Base class; the message is safe to show to the person who caused it."""


class NotFound(DomainError):
    pass


class Forbidden(DomainError):
    pass


class Conflict(DomainError):
    pass


class Invalid(DomainError):
    """Bad input. `field` names the offending input when there is one."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field
