"""Business errors raised by the domain and the services.

Entrypoints map each class to one callable error code; the message is shown to the caller,
so it names the offending field and never contains secrets or personal data.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no; `code` is the callable error code it maps to."""

    code = "INTERNAL"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidArgument(DomainError):
    """The request is malformed: `field` names what to correct. Nothing was written."""

    code = "INVALID_ARGUMENT"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", field=field)


class Unauthenticated(DomainError):
    """No signed-in caller, or a token that is no longer valid."""

    code = "UNAUTHENTICATED"


class PermissionDenied(DomainError):
    """The caller is known but may not do this (a missing role or claim, another user's document)."""

    code = "PERMISSION_DENIED"


class NotFound(DomainError):
    """What the request names does not exist."""

    code = "NOT_FOUND"


class FailedPrecondition(DomainError):
    """The request is well formed but the current state forbids it."""

    code = "FAILED_PRECONDITION"


class AlreadyExists(DomainError):
    """What the request would create exists already."""

    code = "ALREADY_EXISTS"


class ResourceExhausted(DomainError):
    """A rate limit or a quota is used up: try again later."""

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
