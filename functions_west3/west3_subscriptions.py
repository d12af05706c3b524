"""europe-west3 AI-assistant subscriptions: plans, purchase, changes, trial, AI quota, dunning."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from firebase_functions import https_fn, options, scheduler_fn

from shared.entry import wiring
from shared.entry.callables import ADMIN_LABELS, run_admin_callable, run_callable
from shared.kernel import config
from shared.kernel.clock import ScheduledRunClock
from shared.kernel.commands import Caller, parse_command
from west3_runtime import SMALL_CPU, SMALL_MEMORY, STRIPE_SECRET_KEY, logger


@https_fn.on_call(memory=SMALL_MEMORY, cpu=SMALL_CPU, max_instances=2, timeout_sec=30)
def checkAiAccess(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.subscriptions.services.ai_usage import check_ai_access

    result: dict[str, Any] = run_callable(
        req, lambda caller, data: check_ai_access(caller, store=wiring.store()).as_response()
    )
    return result


@https_fn.on_call(memory=SMALL_MEMORY, cpu=SMALL_CPU, max_instances=2, timeout_sec=30)
def incrementAiUsage(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.subscriptions.services.ai_usage import increment_ai_usage

    result: dict[str, Any] = run_callable(
        req, lambda caller, data: increment_ai_usage(caller, store=wiring.store(), clock=wiring.clock()).as_response()
    )
    return result


@https_fn.on_call(
    secrets=[STRIPE_SECRET_KEY],
    memory=SMALL_MEMORY,
    cpu=SMALL_CPU,
    max_instances=1,
    timeout_sec=300,
    labels=ADMIN_LABELS,
)
def syncSubscriptionPlansToStripe(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.subscriptions.services.outage import unavailable_on_outage
    from shared.subscriptions.services.plan_sync import sync_plans_to_stripe

    result: dict[str, Any] = run_admin_callable(
        req,
        "syncSubscriptionPlansToStripe",
        unavailable_on_outage(
            lambda caller, data: sync_plans_to_stripe(
                caller,
                store=wiring.store(),
                billing=wiring.billing_gateway(STRIPE_SECRET_KEY.value),
                clock=wiring.clock(),
            ).as_response()
        ),
    )
    return result


SUBSCRIPTION_OPTIONS: dict[str, Any] = {
    "secrets": [STRIPE_SECRET_KEY],
    "memory": SMALL_MEMORY,
    "cpu": SMALL_CPU,
    "max_instances": 1,
}


def _with_billing(
    req: https_fn.CallableRequest[Any], use: Callable[..., Any], admin_action: str | None = None
) -> dict[str, Any]:
    """Run `use(caller, data, store=, billing=, clock=)` as a callable (an admin one, logged, when
    `admin_action` names it); Stripe outages answer UNAVAILABLE."""
    from shared.subscriptions.services.outage import unavailable_on_outage

    def service(caller: Caller | None, data: Any) -> dict[str, Any]:
        billing = wiring.billing_gateway(STRIPE_SECRET_KEY.value)
        answer: dict[str, Any] = use(caller, data, store=wiring.store(), billing=billing, clock=wiring.clock())
        return answer

    if admin_action is not None:
        return run_admin_callable(req, admin_action, unavailable_on_outage(service))
    result: dict[str, Any] = run_callable(req, unavailable_on_outage(service))
    return result


def _request(data: Any) -> Any:
    from shared.subscriptions.services.changes import RequestIdCommand

    return parse_command(RequestIdCommand, data if isinstance(data, dict) else {})


@https_fn.on_call(**SUBSCRIPTION_OPTIONS, timeout_sec=60)
def createSubscriptionCheckout(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.subscriptions.services.checkout import SubscriptionCheckoutCommand, create_subscription_checkout

    return_url = config.web_app_url() + "/dashboard/subscription"
    return _with_billing(
        req,
        lambda caller, data, **ports: create_subscription_checkout(
            parse_command(SubscriptionCheckoutCommand, data), caller, return_url=return_url, **ports
        ),
    )


@https_fn.on_call(**SUBSCRIPTION_OPTIONS)
def createSubscription(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.subscriptions.services.checkout import SubscriptionCheckoutCommand, create_subscription

    return _with_billing(
        req,
        lambda caller, data, **ports: create_subscription(
            parse_command(SubscriptionCheckoutCommand, data), caller, **ports
        ),
    )


@https_fn.on_call(**SUBSCRIPTION_OPTIONS)
def changeSubscriptionPlan(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.subscriptions.services.changes import PlanChangeCommand, change_subscription_plan

    return _with_billing(
        req,
        lambda caller, data, **ports: change_subscription_plan(parse_command(PlanChangeCommand, data), caller, **ports),
    )


@https_fn.on_call(**SUBSCRIPTION_OPTIONS)
def cancelSubscription(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.subscriptions.services.changes import set_cancellation

    return _with_billing(
        req, lambda caller, data, **ports: set_cancellation(caller, True, request=_request(data), **ports)
    )


@https_fn.on_call(**SUBSCRIPTION_OPTIONS)
def reactivateSubscription(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.subscriptions.services.changes import set_cancellation

    return _with_billing(
        req, lambda caller, data, **ports: set_cancellation(caller, False, request=_request(data), **ports)
    )


@https_fn.on_call(**SUBSCRIPTION_OPTIONS)
def createBillingPortalSession(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.subscriptions.services.changes import billing_portal_link

    def portal(caller: Caller | None, data: Any, *, store: Any, billing: Any, clock: Any) -> dict[str, Any]:
        return {"url": billing_portal_link(caller, config.web_app_url(), store=store, billing=billing)}

    return _with_billing(req, portal)


@https_fn.on_call(**SUBSCRIPTION_OPTIONS, labels=ADMIN_LABELS)
def repairSubscriptionBillingPeriods(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Admin: rewrite missing/incorrect billingPeriod from Stripe; {"dryRun": false} to apply."""
    from shared.subscriptions.services.repair import repair_billing_periods

    return _with_billing(req, repair_billing_periods, admin_action="repairSubscriptionBillingPeriods")


@https_fn.on_call(memory=SMALL_MEMORY, cpu=SMALL_CPU, max_instances=1)
def startTrial(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Server-side trial, once per provider: no Stripe call, so no Stripe secret bound."""
    from shared.subscriptions.services.changes import start_trial

    def service(caller: Caller | None, data: Any) -> dict[str, Any]:
        return start_trial(caller, store=wiring.store(), clock=wiring.clock())

    result: dict[str, Any] = run_callable(req, service)
    return result


@scheduler_fn.on_schedule(
    schedule="every day 02:00", timezone=options.Timezone("UTC"), memory=SMALL_MEMORY, cpu=SMALL_CPU, max_instances=1
)
def suspendOverdueSubscriptions(event: scheduler_fn.ScheduledEvent) -> None:
    from shared.subscriptions.services.dunning import end_expired_trials, suspend_overdue_subscriptions

    # Dunning is counted in billing time: the run decides as of its scheduled time.
    clock = ScheduledRunClock(event.schedule_time)
    run = suspend_overdue_subscriptions(store=wiring.store(), clock=clock)
    ended = end_expired_trials(store=wiring.store(), clock=clock)
    logger.info(
        "dunning: %d suspended, %d reminded, %d trials ended", len(run.suspended), len(run.reminded), len(ended)
    )
