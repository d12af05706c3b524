"""syncSubscriptionPlansToStripe over HTTP: a Price that drifted from the plan is replaced
(a new Price, the old one archived), then the catalogue is in sync again."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.e2e.conftest import STRIPE, WebApp
from tests.e2e.subscribing import SK, WEST3, plans_synced, stripe_get

pytestmark = pytest.mark.e2e


def test_a_drifted_price_is_replaced_and_archived(web: WebApp, db: Any) -> None:
    plans_synced(web)
    plan = db.document("subscription_plans/expat_aidant_standard")
    product = plan.get().to_dict()["stripeProductId"]
    wrong = requests.post(
        f"{STRIPE}/v1/prices",
        data={"product": product, "unit_amount": 1500, "currency": "usd", "recurring[interval]": "month"},
        auth=SK,
        timeout=10,
    )
    wrong.raise_for_status()
    wrong_id = wrong.json()["id"]
    plan.update({"stripePriceId.USD": wrong_id})  # an old catalogue: USD 15.00 instead of 17.00

    admin = web.sign_in("admin@demo.sos-expat.test")
    synced = web.call(WEST3, "syncSubscriptionPlansToStripe", {}, admin)
    assert synced.status == 200, synced.body
    assert synced.result["replaced"] == ["expat_aidant_standard/usd/monthly"] and synced.result["created"] == []
    assert synced.result["archived"] == [wrong_id] and synced.result["inSync"] is False
    new_id = plan.get().to_dict()["stripePriceId"]["USD"]
    new = stripe_get(f"prices/{new_id}")
    assert new_id != wrong_id and (new["unit_amount"], new["currency"], new["active"]) == (1700, "usd", True)
    assert new["recurring"]["interval"] == "month" and new["product"] == product
    assert stripe_get(f"prices/{wrong_id}")["active"] is False
    again = web.call(WEST3, "syncSubscriptionPlansToStripe", {}, admin)
    assert again.result["inSync"] is True and again.result["message"] == "in sync"


def test_plans_of_the_flat_layout_are_migrated_to_the_currency_maps(web: WebApp, db: Any) -> None:
    """seed 004 §3.1: the web app reads stripePriceId[currency] / stripePriceIdAnnual[currency]."""
    plans_synced(web)
    plan = db.document("subscription_plans/lawyer_standard")
    doc = plan.get().to_dict()
    flat = {f"stripePriceId{c}": doc["stripePriceId"][c] for c in ("EUR", "USD")}
    flat |= {f"stripePriceIdAnnual{c}": doc["stripePriceIdAnnual"][c] for c in ("EUR", "USD")}
    rest = {k: v for k, v in doc.items() if k not in ("stripePriceId", "stripePriceIdAnnual")}
    plan.set({**rest, **flat})  # as the earlier sync stored it
    admin = web.sign_in("admin@demo.sos-expat.test")
    synced = web.call(WEST3, "syncSubscriptionPlansToStripe", {}, admin)
    assert synced.status == 200 and synced.result["inSync"] is True, synced.body
    migrated = plan.get().to_dict()
    assert not set(flat) & set(migrated)
    assert migrated["stripePriceId"] == doc["stripePriceId"]
    assert migrated["stripePriceIdAnnual"] == doc["stripePriceIdAnnual"]
