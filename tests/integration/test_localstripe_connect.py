"""Stripe Connect Express accounts on the patched localstripe: creation and its refusals, Account
Links, Login Links, and the onboarding controls whose `account.updated` reaches the webhooks."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import stripe
from stripe._api_version import _ApiVersion
from stripe.params import AccountCreateParams, AccountLinkCreateParams

from tests.integration.conftest import WebhookReceiver
from tests.integration.localstripe_billing_support import AUTH, Hooks, client, control, hooks_fixture, now

EXPRESS: AccountCreateParams = {
    "type": "express",
    "country": "FR",
    "email": "provider@example.com",
    "business_type": "individual",
    "individual": {"first_name": "Ada", "last_name": "Martin", "email": "provider@example.com"},
    "capabilities": {"transfers": {"requested": True}},
    "metadata": {"providerId": "lawyer1"},
}
"""What the product's StripeConnectGateway sends for a provider."""
DUE = [
    "business_profile.mcc",
    "business_profile.url",
    "external_account",
    "individual.address.city",
    "individual.address.line1",
    "individual.address.postal_code",
    "individual.dob.day",
    "individual.dob.month",
    "individual.dob.year",
    "individual.phone",
    "tos_acceptance.date",
    "tos_acceptance.ip",
]
"""A fresh French individual Express account's requirements, less the name and email prefilled."""
VERIFIED: dict[str, Any] = {
    "currently_due": [],
    "past_due": [],
    "eventually_due": [],
    "disabled_reason": None,
    "details_submitted": True,
    "payouts_enabled": True,
    "charges_enabled": True,
    "transfers": "active",
}


@pytest.fixture
def hooks(stripe_api: str, webhook_receiver: Callable[..., WebhookReceiver]) -> Iterator[Hooks]:
    yield from hooks_fixture(stripe_api, webhook_receiver)


def express(stripe_api: str, **params: Any) -> stripe.Account:
    return client(stripe_api).v1.accounts.create(params={**EXPRESS, **params})  # type: ignore[no-any-return]


def post(url: str, path: str, data: dict[str, Any], key: str | None = None) -> requests.Response:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return requests.post(f"{url}{path}", data=data, headers=headers, auth=AUTH, timeout=5)


def listed(url: str) -> list[str]:
    answer = requests.get(f"{url}/v1/accounts", auth=AUTH, timeout=5).json()
    assert answer["object"] == "list"
    return [account["id"] for account in answer["data"]]


def test_an_express_account_starts_unverified_with_what_onboarding_collects(stripe_api: str, hooks: Hooks) -> None:
    account = express(stripe_api)
    assert account.id.startswith("acct_") and account.object == "account"
    assert (account.type, account.country, account.default_currency) == ("express", "FR", "eur")
    assert (account.email, account.business_type) == ("provider@example.com", "individual")
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (False, False, False)
    assert account.created is not None and abs(account.created - now(stripe_api)) <= 5
    body = account.to_dict()
    assert body["capabilities"] == {"transfers": "inactive"}
    assert body["requirements"] == {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": DUE,
        "disabled_reason": "requirements.past_due",
        "errors": [],
        "eventually_due": DUE,
        "past_due": DUE,
        "pending_verification": [],
    }
    assert body["future_requirements"] == {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": [],
        "disabled_reason": None,
        "errors": [],
        "eventually_due": [],
        "past_due": [],
        "pending_verification": [],
    }
    assert body["metadata"] == {"providerId": "lawyer1"}
    assert body["controller"]["stripe_dashboard"] == {"type": "express"}
    assert body["controller"]["requirement_collection"] == "stripe"
    person = body["individual"]
    assert (person["object"], person["account"], person["first_name"], person["last_name"]) == (
        "person",
        account.id,
        "Ada",
        "Martin",
    )
    assert "livemode" not in body

    again = client(stripe_api).v1.accounts.retrieve(account.id)
    assert again.to_dict() == body
    assert listed(stripe_api) == [account.id]
    assert hooks.settle() == []  # Stripe has no account.created: a new account emits nothing


def test_prefilled_fields_are_not_due_and_only_requested_capabilities_are_listed(stripe_api: str) -> None:
    account = express(
        stripe_api,
        business_profile={"mcc": "8111", "url": "https://lawyers.example.com"},
        individual={"first_name": "Ada", "last_name": "Martin", "dob": {"day": 3, "month": 4, "year": 1980}},
        capabilities={"transfers": {"requested": True}, "card_payments": {"requested": False}},
    )
    body = account.to_dict()
    assert body["capabilities"] == {"transfers": "inactive"}
    assert body["requirements"]["currently_due"] == [
        "external_account",
        "individual.address.city",
        "individual.address.line1",
        "individual.address.postal_code",
        "individual.email",
        "individual.phone",
        "tos_acceptance.date",
        "tos_acceptance.ip",
    ]
    assert body["individual"]["dob"] == {"day": 3, "month": 4, "year": 1980}
    assert body["business_profile"]["mcc"] == "8111"


def test_the_same_idempotency_key_gives_the_same_account(stripe_api: str) -> None:
    form = {"type": "express", "country": "FR", "capabilities[transfers][requested]": "true"}
    first = post(stripe_api, "/v1/accounts", form, key="connect:lawyer1")
    again = post(stripe_api, "/v1/accounts", dict(reversed(list(form.items()))), key="connect:lawyer1")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and again.headers["Idempotent-Replayed"] == "true"
    assert listed(stripe_api) == [first.json()["id"]]

    api = stripe.StripeClient("sk_test_it", base_addresses={"api": stripe_api}, max_network_retries=0).v1
    with pytest.raises(stripe.IdempotencyError) as refused:
        api.accounts.create(params={**EXPRESS, "country": "DE"}, options={"idempotency_key": "connect:lawyer1"})
    assert refused.value.http_status == 400
    assert listed(stripe_api) == [first.json()["id"]]


@pytest.mark.parametrize(
    ("form", "param", "message"),
    [
        ({"nickname": "ada"}, "nickname", "Received unknown parameter: nickname"),
        ({"individual[nickname]": "ada"}, "individual[nickname]", "Received unknown parameter: individual[nickname]"),
        (
            {"capabilities[teleport][requested]": "true"},
            "capabilities[teleport]",
            "Received unknown parameter: capabilities[teleport]",
        ),
        ({"type": "basic"}, "type", "Invalid type: must be one of custom, express, or standard"),
        (
            {"business_type": "person"},
            "business_type",
            "Invalid business_type: must be one of company, government_entity, individual, or non_profit",
        ),
        ({"email": "not-an-email"}, "email", "Invalid email address: not-an-email"),
        (
            {"country": "XX"},
            "country",
            "Country 'XX' is unknown. Try using a 2-character alpha country code instead, such as 'US', 'EG', or 'GB'.",
        ),
        (
            {"tos_acceptance[date]": "1700000000"},
            "tos_acceptance",
            "You cannot accept the Terms of Service on behalf of Standard and Express connected accounts.",
        ),
        ({"type": "custom"}, "capabilities", "Missing required param: capabilities."),
        ({"controller[stripe_dashboard][type]": "express"}, "controller", None),
    ],
)
def test_account_creation_refuses_what_stripe_refuses(
    stripe_api: str, form: dict[str, str], param: str, message: str | None
) -> None:
    refused = post(stripe_api, "/v1/accounts", {"type": "express", "country": "FR", **form})
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert (error["type"], error["param"]) == ("invalid_request_error", param)
    if message is not None:
        assert error["message"] == message
    assert listed(stripe_api) == []


def test_an_unknown_account_is_refused_as_stripe_does(stripe_api: str) -> None:
    api = client(stripe_api).v1
    with pytest.raises(stripe.PermissionError) as unreachable:  # GET /v1/accounts/{id}: 403, not 404
        api.accounts.retrieve("acct_unknown")
    assert unreachable.value.http_status == 403
    assert unreachable.value.json_body == {
        "error": {
            "type": "invalid_request_error",
            "code": "account_invalid",
            "message": "The provided key does not have access to account 'acct_unknown' (or that account does not "
            "exist). Application access may have been revoked.",
        }
    }
    with pytest.raises(stripe.InvalidRequestError) as missing:
        api.account_links.create(params={"account": "acct_unknown", "type": "account_onboarding"})
    assert (missing.value.http_status, missing.value.code, missing.value.param) == (404, "resource_missing", "account")
    assert missing.value.user_message == "No such account: 'acct_unknown'"
    with pytest.raises(stripe.PermissionError):
        api.accounts.login_links.create("acct_unknown")


def test_an_onboarding_link_expires_after_five_minutes_and_points_at_the_account(stripe_api: str) -> None:
    account = express(stripe_api)
    params: AccountLinkCreateParams = {
        "account": account.id,
        "type": "account_onboarding",
        "refresh_url": "https://app.example.com/onboarding/refresh",
        "return_url": "https://app.example.com/onboarding/done",
    }
    link = client(stripe_api).v1.account_links.create(params=params)
    other = client(stripe_api).v1.account_links.create(params=params)
    assert link.object == "account_link" and "id" not in link.to_dict()
    assert link.expires_at - link.created == 300
    assert link.url.startswith(f"{stripe_api}/_test/connect/onboarding/") and other.url != link.url
    opened = requests.get(link.url, auth=AUTH, timeout=5).json()
    assert (opened["account"], opened["type"], opened["return_url"], opened["expired"]) == (
        account.id,
        "account_onboarding",
        "https://app.example.com/onboarding/done",
        False,
    )


@pytest.mark.parametrize(
    ("form", "param", "message"),
    [
        ({"type": None}, "type", "Missing required param: type."),
        ({"account": None}, "account", "Missing required param: account."),
        ({"type": "onboarding"}, "type", "Invalid type: must be one of account_onboarding or account_update"),
        (
            {"type": "account_update"},
            "type",
            "You cannot create `account_update` type Account Links for this account. "
            'Valid types for this account are ["account_onboarding"].',
        ),
        ({"return_url": "not a url"}, "return_url", "Not a valid URL"),
        ({"collect": "everything"}, "collect", "Invalid collect: must be one of currently_due or eventually_due"),
        ({"locale": "fr"}, "locale", "Received unknown parameter: locale"),
    ],
)
def test_account_links_refuse_what_stripe_refuses(
    stripe_api: str, form: dict[str, str | None], param: str, message: str
) -> None:
    account = express(stripe_api)
    data = {"account": account.id, "type": "account_onboarding", "return_url": "https://app.example.com/r", **form}
    refused = post(stripe_api, "/v1/account_links", {k: v for k, v in data.items() if v is not None})
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert (error["type"], error["param"], error["message"]) == ("invalid_request_error", param, message)


def test_a_login_link_only_once_onboarding_is_complete(stripe_api: str) -> None:
    api = client(stripe_api).v1
    account = express(stripe_api)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        api.accounts.login_links.create(account.id)
    assert refused.value.http_status == 400
    assert refused.value.user_message == "Cannot create a login link for an account that has not completed onboarding."

    completed = control(stripe_api, f"/_test/accounts/{account.id}/complete_onboarding")
    assert completed["details_submitted"] is True and completed["capabilities"] == {"transfers": "active"}
    link = api.accounts.login_links.create(account.id)
    assert link.object == "login_link" and abs(link.created - now(stripe_api)) <= 5
    assert link.url.startswith(f"{stripe_api}/_test/connect/express/{account.id}/")

    custom = express(stripe_api, type="custom")
    control(stripe_api, f"/_test/accounts/{custom.id}/complete_onboarding")
    with pytest.raises(stripe.InvalidRequestError) as not_express:
        api.accounts.login_links.create(custom.id)
    assert not_express.value.user_message == (
        f"Cannot create an edit link for the account {custom.id}, which is not an Express account."
    )


def test_requirements_met_update_the_account_and_send_account_updated(stripe_api: str, hooks: Hooks) -> None:
    account = express(stripe_api)
    updated = control(stripe_api, f"/_test/accounts/{account.id}/requirements", **VERIFIED)
    assert updated["requirements"]["currently_due"] == [] and updated["requirements"]["disabled_reason"] is None
    again = client(stripe_api).v1.accounts.retrieve(account.id).to_dict()
    assert again == updated
    assert (again["details_submitted"], again["charges_enabled"], again["payouts_enabled"]) == (True, True, True)
    assert again["capabilities"] == {"transfers": "active"}

    events = hooks.wait("account.updated", "capability.updated")
    assert [e["type"] for e in events] == ["account.updated", "capability.updated"]
    event = events[0]
    assert (event["account"], event["api_version"]) == (account.id, _ApiVersion.CURRENT)
    assert event["data"]["object"] == updated
    assert event["data"]["previous_attributes"] == {
        "capabilities": {"transfers": "inactive"},
        "charges_enabled": False,
        "details_submitted": False,
        "payouts_enabled": False,
        "requirements": {
            "currently_due": DUE,
            "disabled_reason": "requirements.past_due",
            "eventually_due": DUE,
            "past_due": DUE,
        },
    }
    capability = events[1]
    assert capability["account"] == account.id
    assert {k: capability["data"]["object"][k] for k in ("object", "id", "account", "status", "requested")} == {
        "object": "capability",
        "id": "transfers",
        "account": account.id,
        "status": "active",
        "requested": True,
    }
    assert capability["data"]["previous_attributes"] == {"status": "inactive"}

    form = {"currently_due[]": "individual.dob.day", "disabled_reason": "", "payouts_enabled": "false"}
    changed = post(stripe_api, f"/_test/accounts/{account.id}/requirements", form).json()
    assert (changed["requirements"]["currently_due"], changed["payouts_enabled"]) == (["individual.dob.day"], False)
    control(stripe_api, f"/_test/accounts/{account.id}/requirements", payouts_enabled=False)  # no change, no event
    assert hooks.settle() == ["account.updated", "capability.updated", "account.updated"]
    last = hooks.last("account.updated")["data"]["previous_attributes"]
    assert last == {"payouts_enabled": True, "requirements": {"currently_due": []}}


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"currently_due": "external_account"}, "currently_due"),
        ({"disabled_reason": "sleepy"}, "disabled_reason"),
        ({"transfers": "enabled"}, "transfers"),
        ({"payouts_enabled": True, "verified": True}, "verified"),
    ],
)
def test_the_requirements_control_refuses_bad_values_and_changes_nothing(
    stripe_api: str, body: dict[str, Any], param: str
) -> None:
    account = express(stripe_api)
    refused = requests.post(f"{stripe_api}/_test/accounts/{account.id}/requirements", json=body, auth=AUTH, timeout=5)
    assert refused.status_code == 400 and refused.json()["error"]["param"] == param
    assert client(stripe_api).v1.accounts.retrieve(account.id).to_dict() == account.to_dict()


def test_complete_onboarding_verifies_everything_at_once(stripe_api: str, hooks: Hooks) -> None:
    account = express(stripe_api, capabilities={"transfers": {"requested": True}, "card_payments": {"requested": True}})
    done = control(stripe_api, f"/_test/accounts/{account.id}/complete_onboarding")
    assert done["capabilities"] == {"card_payments": "active", "transfers": "active"}
    assert {k: done["requirements"][k] for k in ("currently_due", "eventually_due", "past_due", "disabled_reason")} == {
        "currently_due": [],
        "eventually_due": [],
        "past_due": [],
        "disabled_reason": None,
    }
    assert (done["details_submitted"], done["charges_enabled"], done["payouts_enabled"]) == (True, True, True)
    assert done["tos_acceptance"]["date"] is not None
    hooks.wait("account.updated", "capability.updated", "capability.updated")
    event = hooks.last("account.updated")
    assert event["account"] == account.id
    previous = event["data"]["previous_attributes"]
    assert previous["capabilities"] == {"card_payments": "inactive", "transfers": "inactive"}
    assert sorted(e["data"]["object"]["id"] for e in hooks.events() if e["type"] == "capability.updated") == [
        "card_payments",
        "transfers",
    ]
