"""The Stripe connection every Stripe adapter uses: a typed client, and one error type.

`stripe` is imported when a client is first needed (cold start). Every call goes through
`call_stripe`, which turns Stripe's exceptions into `PaymentGatewayError` and says whether trying
again may succeed (connection errors, rate limits and 5xx may; card errors and 4xx do not).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import stripe

from shared.kernel.errors import PaymentGatewayError

R = TypeVar("R")


def stripe_client(api_key: str, api_base: str | None, max_network_retries: int = 2) -> stripe.StripeClient:
    import stripe

    if api_base:
        return stripe.StripeClient(api_key, base_addresses={"api": api_base}, max_network_retries=max_network_retries)
    return stripe.StripeClient(api_key, max_network_retries=max_network_retries)


def call_stripe(operation: str, call: Callable[[], R]) -> R:
    """Run one Stripe call, turning its errors into PaymentGatewayError (retryable or not)."""
    import stripe

    try:
        return call()
    except stripe.CardError as exc:
        raise PaymentGatewayError(f"{operation}: card error {exc.code}", retryable=False) from exc
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise PaymentGatewayError(f"{operation}: {type(exc).__name__}", retryable=True) from exc
    except stripe.StripeError as exc:
        retryable = (exc.http_status or 500) >= 500
        raise PaymentGatewayError(f"{operation}: {exc.user_message or exc}", retryable=retryable) from exc
