"""Business errors raised by the domain and the services.

Entrypoints map each class to one callable error code; the message is shown to the caller,
so it names the offending field and never contains secrets or personal data.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidArgument(DomainError):
    code = "INVALID_ARGUMENT"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field=field)


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class PermissionDenied(DomainError):
    code = "PERMISSION_DENIED"


class NotFound(DomainError):
    code = "NOT_FOUND"


class FailedPrecondition(DomainError):
    code = "FAILED_PRECONDITION"


class AlreadyExists(DomainError):
    code = "ALREADY_EXISTS"


class ResourceExhausted(DomainError):
    code = "RESOURCE_EXHAUSTED"


class Aborted(DomainError):
    """A concurrent request holds the resource; the caller may retry."""

    code = "ABORTED"


class Unavailable(DomainError):
    """A provider (Stripe, Twilio...) failed; the caller may retry later."""

    code = "UNAVAILABLE"


class PaymentGatewayError(Exception):
    """A provider call failed. `retryable` tells whether trying again may succeed."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable
