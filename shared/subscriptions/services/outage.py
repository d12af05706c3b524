"""Stripe outages in the subscription callables: UNAVAILABLE with a retry hint, not INTERNAL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from shared.kernel.errors import PaymentGatewayError, Unavailable

R = TypeVar("R")


def unavailable_on_outage(service: Callable[..., R]) -> Callable[..., R]:
    """The service, with a Stripe failure that a retry may cure (network, 429, 5xx) raised as
    Unavailable; a refusal Stripe would repeat stays an error of ours (INTERNAL)."""

    def run(*args: Any, **kwargs: Any) -> R:
        try:
            return service(*args, **kwargs)
        except PaymentGatewayError as exc:
            if not exc.retryable:
                raise
            raise Unavailable("the payment provider is unavailable; retry in a few seconds") from exc

    return run
