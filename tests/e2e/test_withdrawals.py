"""Withdrawals over HTTP: an affiliate whose wallet unlocked ($150 of commissions released) asks
for a bank transfer that the admin marks paid, then a PayPal one that the admin rejects (credited
back); ten requests at once open one; the wallet always equals its ledger."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud.firestore_v1.base_query import FieldFilter

from devtools import cron
from tests.e2e.conftest import Account, WebApp, wait_for
from tests.e2e.test_affiliate_registration import PASSWORD, sign_up

pytestmark = pytest.mark.e2e
WEST1, WEST2, WEST3 = "europe-west1", "europe-west2", "europe-west3"
BANK = {"accountHolderName": "Lina Haddad", "iban": "FR7630006000011234567890189", "bic": "BNPAFRPP"}


def unlocked_affiliate(
    web: WebApp, db: Any, before_earning: Callable[[str, Account], None] | None = None
) -> tuple[str, Account, int]:
    """An affiliate whose client's three large calls were captured (as the payments area announces
    them) and released: three times 5 % of 1000 USD, available and unlocked. `before_earning` runs
    once it has signed up."""
    answer, email = sign_up(web, "influencer")
    if before_earning is not None:
        before_earning(answer.result["uid"], web.sign_in(email, PASSWORD))
    client = web.sign_up()
    form = {"firstName": "Ana", "lastName": "Silva", "country": "PT", "language": "pt"}
    coded = web.call(
        WEST1, "completeClientProfile", {**form, "affiliateCode": answer.result["affiliateCodeClient"]}, client
    )
    assert coded.status == 200, coded.body
    uid, now = answer.result["uid"], datetime.now(UTC)
    sessions = [f"e2e_big_{uuid.uuid4().hex[:10]}" for _ in range(3)]
    for session in sessions:
        data = {
            "callSessionId": session,
            "paymentIntentId": f"pi_{session}",
            "amount": 100_000,
            "currency": "usd",
            "providerEarnings": 60_000,
            "clientId": client.uid,
            "providerId": "demo_lawyer",
            "capturedAt": now,
        }
        db.document(f"domain_events/payment_captured:pi_{session}").set(
            {"type": "payment.captured", "data": data, "occurredAt": now}
        )

    def earned() -> int | None:
        pending = db.document(f"influencer_profiles/{uid}").get().to_dict()["pendingBalance"]
        return pending if pending == 15_000 else None

    wait_for(earned, timeout=60, what="three commissions of 5000 cents")
    assert cron.fire("validatePendingCommissions", WEST3, now + timedelta(days=7, minutes=1)) < 300
    profile = db.document(f"influencer_profiles/{uid}").get().to_dict()
    assert profile["commissionUnlocked"] is True
    return uid, web.sign_in(email, PASSWORD), int(profile["tirelire"])


def balance(db: Any, uid: str) -> int:
    tirelire: int = db.document(f"influencer_profiles/{uid}").get().to_dict()["tirelire"]
    return tirelire


def test_a_bank_withdrawal_is_paid_and_a_paypal_one_rejected_and_credited_back(web: WebApp, db: Any) -> None:
    uid, affiliate, available = unlocked_affiliate(web, db)
    admin = web.sign_in("admin@demo.sos-expat.test")
    bank = web.call(WEST2, "requestWithdrawal", {"amountCents": 6000, "method": "bank", "details": BANK}, affiliate)
    assert bank.status == 200, bank.body
    assert (bank.result["status"], bank.result["available"], bank.result["details"]["iban"]) == (
        "pending",
        available - 6000,
        "••••0189",
    )
    second = web.call(
        WEST2,
        "requestWithdrawal",
        {"amountCents": 2000, "method": "paypal", "details": {"email": "l@x.test"}},
        affiliate,
    )
    assert second.error_status == "FAILED_PRECONDITION", second.body
    waiting = web.call(WEST3, "listWithdrawals", {"status": "pending"}, admin).result["withdrawals"]
    assert bank.result["withdrawalId"] in [w["withdrawalId"] for w in waiting]
    wid = bank.result["withdrawalId"]
    assert (
        web.call(WEST3, "processWithdrawal", {"withdrawalId": wid, "bankReference": "X"}, affiliate).error_status
        == "PERMISSION_DENIED"
    )
    no_reference = web.call(WEST3, "processWithdrawal", {"withdrawalId": wid}, admin)
    assert no_reference.error_status == "INVALID_ARGUMENT" and no_reference.error_message.startswith("bankReference:")
    paid = web.call(WEST3, "processWithdrawal", {"withdrawalId": wid, "bankReference": "VIR-0042"}, admin)
    assert paid.result == {
        "withdrawalId": wid,
        "status": "completed",
        "reference": "VIR-0042",
        "railStatus": None,
        "commissionsPaid": 1,
    }
    states = sorted(
        doc.to_dict()["state"]
        for doc in db.collection("affiliate_commissions").where(filter=FieldFilter("beneficiaryId", "==", uid)).stream()
    )
    assert states == ["available", "available", "paid"], "5000 of the 6000 withdrawn covers one commission"
    again = web.call(WEST3, "processWithdrawal", {"withdrawalId": wid, "bankReference": "VIR-0043"}, admin)
    assert again.error_status == "FAILED_PRECONDITION"
    assert balance(db, uid) == available - 6000

    paypal = web.call(
        WEST2,
        "requestWithdrawal",
        {"amountCents": 2000, "method": "paypal", "details": {"email": "l@x.test"}},
        affiliate,
    )
    assert paypal.status == 200, paypal.body
    reject = {"withdrawalId": paypal.result["withdrawalId"], "reason": "PayPal account unverified"}
    assert web.call(WEST3, "rejectWithdrawal", reject, admin).result["status"] == "rejected"
    assert web.call(WEST3, "rejectWithdrawal", reject, admin).error_status == "FAILED_PRECONDITION"
    assert balance(db, uid) == available - 6000
    reconciled = web.call(WEST2, "reconcileAffiliateWallet", {"affiliateId": uid}, admin).result
    assert set(reconciled["difference"].values()) == {0}, reconciled


def test_ten_requests_at_once_open_one_withdrawal(web: WebApp, db: Any) -> None:
    uid, affiliate, available = unlocked_affiliate(web, db)
    data = {"amountCents": 2000, "method": "paypal", "details": {"email": "l@x.test"}}
    with ThreadPoolExecutor(10) as pool:
        answers = list(
            pool.map(
                lambda n: web.call(WEST2, "requestWithdrawal", {**data, "requestId": f"click-{n}"}, affiliate),
                range(10),
            )
        )
    opened = [a for a in answers if a.status == 200]
    assert len(opened) == 1, [a.body for a in answers]
    assert {a.error_status for a in answers if a.status != 200} <= {"FAILED_PRECONDITION", "ABORTED"}
    assert balance(db, uid) == available - 2000


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amountCents": 1999}, "amountCents"),
        ({"method": "cash"}, "method"),
        ({"details": {"email": "nope"}}, "details.email"),
        ({"method": "bank", "details": {**BANK, "iban": "FR7630006000011234567890188"}}, "details.iban"),
        ({"method": "bank", "details": {**BANK, "bic": "DEUTDEFF"}}, "details.bic"),
    ],
)
def test_bad_withdrawal_input_names_the_field(web: WebApp, changes: dict[str, Any], field: str) -> None:
    affiliate = web.sign_in(sign_up(web)[1], PASSWORD)
    data = {"amountCents": 2000, "method": "paypal", "details": {"email": "l@x.test"}, **changes}
    refused = web.call(WEST2, "requestWithdrawal", data, affiliate)
    assert refused.error_status == "INVALID_ARGUMENT" and refused.error_message.startswith(f"{field}:"), refused.body


def test_a_wallet_not_unlocked_cannot_withdraw(web: WebApp) -> None:
    affiliate = web.sign_in(sign_up(web)[1], PASSWORD)
    data = {"amountCents": 2000, "method": "paypal", "details": {"email": "l@x.test"}}
    assert web.call(WEST2, "requestWithdrawal", data, affiliate).error_status == "FAILED_PRECONDITION"
    assert web.call(WEST2, "requestWithdrawal", data, web.sign_up()).error_status == "PERMISSION_DENIED"
