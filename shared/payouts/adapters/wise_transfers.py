"""Wise adapter: a withdrawal paid by Wise transfer from the business profile's balance.

A send creates a recipient, a quote from the withdrawal's currency priced for that recipient (its
payout route sets the fee) and a transfer, then funds it from the balance. The transfer's
`customerTransactionId` is a UUID5 of the withdrawal id; Wise answers a reused one with the
transfer it created first, so a second send of the same withdrawal (after a lost answer, a 5xx, a
blocked funding) carries on with that transfer and pays once (the recipient and quote it creates
again stay unused). Each call is tried `attempts` times on a timeout, a connection error,
429 or 5xx, then RailUnavailable. Amounts are minor units of two-decimal currencies, converted with
Decimal only. `requests` and `cryptography` are imported on first use (cold start). Every call is
logged at INFO with its method, path and status, never the token.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shared.payouts.ports.rails import (
    PayoutRecord,
    PayoutSent,
    RailBlocked,
    RailRefused,
    RailUnavailable,
    WisePayouts,
    WiseRecipient,
)

if TYPE_CHECKING:
    import requests
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

log = logging.getLogger(__name__)

WITHDRAWAL_NAMESPACE = uuid.UUID("1fd73a66-7848-4f5c-91c6-6f91355429d5")
"""The namespace of the customerTransactionIds. Never change it: a new id would pay a withdrawal again."""
WAITING = "incoming_payment_waiting"  # created, not funded yet
CANCELLED = "cancelled"
PAID = "outgoing_payment_sent"
BALANCE_TOO_LOW = frozenset({"transfer.insufficient_funds", "balance.payment-option-unavailable"})
INVALID_STATE = "transfer.invalid-state"  # funding a transfer that is no longer waiting
REFERENCE_PREFIX = "SOS"
REFERENCE_LENGTH = 10  # Wise's shortest limit (USD 10, GBP 18, others 35): fits every currency
BACKOFF_SECONDS = 0.5  # doubled after each failed attempt


def customer_transaction_id(withdrawal_id: str) -> str:
    """The transfer's idempotency key: the same withdrawal always gets the same UUID."""
    return str(uuid.uuid5(WITHDRAWAL_NAMESPACE, withdrawal_id))


def transfer_reference(withdrawal_id: str) -> str:
    """What the receiver's bank statement shows: "SOS" and the first 7 letters or digits of the
    withdrawal id after its `wd_` prefix ("wd_3f9a0c1e..." -> "SOS3F9A0C1"). Ten characters fit every
    currency's limit; seven hex digits are enough for support to find the withdrawal."""
    letters = re.sub(r"[^A-Za-z0-9]", "", withdrawal_id.removeprefix("wd_")).upper()
    return (REFERENCE_PREFIX + letters)[:REFERENCE_LENGTH]


def quote_request(amount: int, currency: str, target_currency: str, target_account: int | None = None) -> str:
    """The quote's JSON body, `sourceAmount` as a number with exactly two decimals (6000 -> 60.00),
    priced for the recipient `target_account` when given (Wise then prices its payout route)."""
    source, target = json.dumps(currency.upper()), json.dumps(target_currency.upper())
    body = f'"sourceCurrency": {source}, "targetCurrency": {target}, "sourceAmount": {source_amount(amount)}'
    if target_account is not None:
        body += f', "targetAccount": {int(target_account)}'
    return f"{{{body}}}"


def source_amount(amount: int) -> Decimal:
    """Minor units as Wise's two-decimal amount (6000 -> 60.00); ValueError unless a positive int."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"amount must be a positive number of minor units, not {amount!r}")
    return Decimal(amount).scaleb(-2)


def minor_units(value: Any) -> int:
    """Wise's amount (a JSON number read as Decimal, or an int) in minor units: 60.0 -> 6000."""
    return int(Decimal(str(value)).scaleb(2).to_integral_value())


def refusal(status: int, answer: dict[str, Any]) -> RailRefused:
    """Wise's error answer as a RailRefused: the first code, and every message named by its path."""
    errors = [e for e in answer.get("errors") or [] if isinstance(e, dict)]
    if not errors:
        code = str(answer.get("errorCode") or answer.get("error") or f"http_{status}")
        return RailRefused(code, str(answer.get("errorMessage") or answer.get("message") or f"Wise answered {status}"))
    messages = [f"{e['path']}: {e.get('message')}" if e.get("path") else str(e.get("message")) for e in errors]
    return RailRefused(str(errors[0].get("code")), "; ".join(messages))


class HttpWisePayouts(WisePayouts):
    """Wise Platform transfers over REST with a business profile's API token (`Bearer`), funded from
    that profile's balance. `api_base` is https://api.wise.com, Wise's sandbox, or the local simulator;
    the webhook key is Wise's public key (PEM), loaded on the first check."""

    def __init__(
        self,
        api_token: str,
        profile_id: int,
        public_key_pem: str,
        api_base: str,
        *,
        timeout: float = 15,
        attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._token = api_token
        self._profile = profile_id
        self._public_key_pem = public_key_pem
        self._base = api_base.rstrip("/")
        self._timeout = timeout
        self._attempts = max(1, attempts)
        self._sleep = sleep
        self._session: requests.Session | None = None
        self._public_key: RSAPublicKey | None = None

    def send(self, *, withdrawal_id: str, amount: int, currency: str, recipient: WiseRecipient) -> PayoutSent:
        source_amount(amount)  # a wrong amount is refused before any call
        account_id = self._create_recipient(recipient)
        body = quote_request(amount, currency, recipient.currency, account_id)
        status, quote = self._call("POST", f"/v3/profiles/{self._profile}/quotes", body)
        if status >= 300:
            raise refusal(status, quote)
        transfer = self._create_transfer(withdrawal_id, account_id, str(quote["id"]))
        transfer_id, state = int(transfer["id"]), str(transfer["status"])
        if state == CANCELLED:
            raise RailRefused("transfer.cancelled", f"transfer {transfer_id} was cancelled")
        if state == WAITING:
            self._fund(transfer_id)
            state = str(self._transfer(transfer_id)["status"])
        log.info("wise transfer %s for withdrawal %s is %s", transfer_id, withdrawal_id, state)
        return PayoutSent(reference=str(transfer_id), status=state)

    def record(self, reference: str) -> PayoutRecord:
        transfer = self._transfer(reference)
        status, amount = str(transfer["status"]), minor_units(transfer["sourceValue"])
        return PayoutRecord(reference, status, status == PAID, amount, str(transfer["sourceCurrency"]).lower())

    def verify_webhook(self, body: bytes, signature: str | None) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        if not signature:
            return False
        key = self._key()  # a bad configured key raises: that is not a bad signature
        try:
            key.verify(base64.b64decode(signature.strip(), validate=True), body, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):  # ValueError: not base64 (binascii.Error) or not ASCII
            return False
        return True

    def _create_recipient(self, recipient: WiseRecipient) -> int:
        body = {
            "currency": recipient.currency.upper(),
            "type": "iban",
            "profile": self._profile,
            "accountHolderName": recipient.account_holder_name,
            "ownedByCustomer": False,
            "details": {"legalType": "PRIVATE", "IBAN": recipient.iban},
        }
        status, account = self._call("POST", "/v1/accounts", body)
        if status >= 300:
            raise refusal(status, account)
        return int(account["id"])

    def _create_transfer(self, withdrawal_id: str, account_id: int, quote_id: str) -> dict[str, Any]:
        body = {
            "targetAccount": account_id,
            "quoteUuid": quote_id,
            "customerTransactionId": customer_transaction_id(withdrawal_id),
            "details": {"reference": transfer_reference(withdrawal_id)},
        }
        status, transfer = self._call("POST", "/v1/transfers", body)
        if status >= 300:
            raise refusal(status, transfer)
        return transfer

    def _fund(self, transfer_id: int) -> None:
        path = f"/v3/profiles/{self._profile}/transfers/{transfer_id}/payments"
        status, payment = self._call("POST", path, {"type": "BALANCE"})
        if status < 300 and payment.get("status") != "REJECTED":
            return
        refused = refusal(status, payment)
        if refused.code in BALANCE_TOO_LOW:
            raise RailBlocked(f"transfer {transfer_id} waits for the balance: {refused.code}")
        if refused.code != INVALID_STATE:
            raise refused
        state = self._transfer(transfer_id)["status"]  # funded already (a lost answer), or cancelled
        if state == CANCELLED:
            raise RailRefused("transfer.cancelled", f"transfer {transfer_id} was cancelled")
        if state == WAITING:
            raise RailUnavailable(f"transfer {transfer_id} still waits but Wise will not fund it: {refused.message}")

    def _transfer(self, transfer_id: int | str) -> dict[str, Any]:
        if not (str(transfer_id).isascii() and str(transfer_id).isdigit()):
            raise RailRefused("transfer.not-found", f"{transfer_id!r} is not a Wise transfer id")
        status, transfer = self._call("GET", f"/v1/transfers/{transfer_id}")
        if status >= 300:
            raise refusal(status, transfer)
        return transfer

    def _call(self, method: str, path: str, body: dict[str, Any] | str | None = None) -> tuple[int, dict[str, Any]]:
        """The status and JSON object of Wise's answer, after retries; RailUnavailable when none came,
        or when Wise refuses the token or the profile (401/403: nothing was done, fix and send again)."""
        import requests

        if self._session is None:
            self._session = requests.Session()
        headers = {"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"}
        data = body if body is None or isinstance(body, str) else json.dumps(body)
        outcome = "no answer"
        for attempt in range(1, self._attempts + 1):
            try:
                response = self._session.request(
                    method, self._base + path, data=data, headers=headers, timeout=self._timeout
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                outcome = type(exc).__name__
            else:
                outcome = str(response.status_code)
                if response.status_code < 500 and response.status_code != 429:
                    log.info("wise %s %s -> %s", method, path, outcome)
                    return response.status_code, self._answer(method, path, response)
            log.info("wise %s %s -> %s (attempt %d of %d)", method, path, outcome, attempt, self._attempts)
            if attempt < self._attempts:
                self._sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
        raise RailUnavailable(f"wise {method} {path}: {outcome} after {self._attempts} attempts")

    @staticmethod
    def _answer(method: str, path: str, response: requests.Response) -> dict[str, Any]:
        if response.status_code in (401, 403):
            raise RailUnavailable(f"wise {method} {path}: {response.status_code}, the token or profile is refused")
        try:
            answer = response.json(parse_float=Decimal) if response.content else {}
        except ValueError:
            answer = None
        if not isinstance(answer, dict) and response.ok:
            raise RailUnavailable(f"wise {method} {path}: {response.status_code} without a JSON object")
        return answer if isinstance(answer, dict) else {}

    def _key(self) -> RSAPublicKey:
        if self._public_key is None:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa

            key = serialization.load_pem_public_key(self._public_key_pem.encode("ascii"))
            if not isinstance(key, rsa.RSAPublicKey):
                raise ValueError("the Wise webhook key must be an RSA public key (PEM)")
            self._public_key = key
        return self._public_key
