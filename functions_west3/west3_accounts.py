"""europe-west3 provider accounts: the payout method of a new provider, its Stripe onboarding."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from firebase_functions import https_fn

from shared.entry import firestore_triggers, wiring
from shared.entry.callables import run_callable
from shared.kernel import config
from west3_runtime import SMALL_CPU, SMALL_MEMORY, STRIPE_SECRET_KEY, logger

if TYPE_CHECKING:
    from firebase_functions import firestore_fn


@firestore_triggers.on_document_created(
    document="sos_profiles/{uid}", secrets=[STRIPE_SECRET_KEY], memory=SMALL_MEMORY, cpu=SMALL_CPU, max_instances=1
)
def onProviderCreated(event: firestore_fn.Event[Any]) -> None:
    from shared.accounts.services.payout_setup import set_up_payout_method

    done = set_up_payout_method(
        event.params["uid"],
        store=wiring.store(),
        connect=wiring.connect_gateway(STRIPE_SECRET_KEY.value),
        clock=wiring.clock(),
    )
    logger.info("payout method of %s: %s", event.params["uid"], done)


@https_fn.on_call(secrets=[STRIPE_SECRET_KEY], memory=SMALL_MEMORY, cpu=SMALL_CPU, max_instances=1, timeout_sec=30)
def getStripeOnboardingLink(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.accounts.services.stripe_accounts import stripe_onboarding_link

    result: dict[str, Any] = run_callable(
        req,
        lambda caller, data: stripe_onboarding_link(
            caller,
            store=wiring.store(),
            connect=wiring.connect_gateway(STRIPE_SECRET_KEY.value),
            clock=wiring.clock(),
            return_base=config.web_app_url() + "/dashboard/payouts",
        ),
    )
    return result
