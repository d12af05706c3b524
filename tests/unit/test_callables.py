"""run_callable: anonymous calls refused before the input is read; business errors mapped."""

from typing import Any

import pytest
from firebase_functions import https_fn

from shared.entry.callables import run_callable
from shared.kernel.commands import Caller
from shared.kernel.errors import FailedPrecondition, InvalidArgument
from tests.fakes import InMemoryStore


def request(data: Any, uid: str | None) -> https_fn.CallableRequest[Any]:
    auth = https_fn.AuthData(uid=uid, token={"role": "lawyer"}) if uid else None
    return https_fn.CallableRequest(data=data, raw_request=None, auth=auth)  # type: ignore[arg-type]


def test_an_anonymous_call_never_reaches_the_service() -> None:
    seen: list[Any] = []
    with pytest.raises(https_fn.HttpsError) as refused:
        run_callable(request({"planId": 1}, None), lambda caller, data: seen.append(data))
    assert refused.value.code is https_fn.FunctionsErrorCode.UNAUTHENTICATED and seen == []


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (InvalidArgument("planId", "unknown plan"), https_fn.FunctionsErrorCode.INVALID_ARGUMENT),
        (FailedPrecondition("already subscribed"), https_fn.FunctionsErrorCode.FAILED_PRECONDITION),
        (RuntimeError("boom"), https_fn.FunctionsErrorCode.INTERNAL),
    ],
)
def test_errors_are_mapped(error: Exception, code: https_fn.FunctionsErrorCode) -> None:
    def service(caller: Caller | None, data: Any) -> None:
        raise error

    with pytest.raises(https_fn.HttpsError) as raised:
        run_callable(request({}, "u1"), service)
    assert raised.value.code is code
    assert "boom" not in raised.value.message


def test_the_signed_in_caller_and_data_reach_the_service() -> None:
    result = run_callable(request({"x": 1}, "u1"), lambda caller, data: (caller.uid if caller else None, data))
    assert result == ("u1", {"x": 1})


def test_a_disabled_account_is_refused_before_the_service(accounts_without_firestore: InMemoryStore) -> None:
    accounts_without_firestore.set("users/u2", {"disabled": True})
    seen: list[Any] = []
    with pytest.raises(https_fn.HttpsError) as refused:
        run_callable(request({}, "u2"), lambda caller, data: seen.append(data))
    assert refused.value.code is https_fn.FunctionsErrorCode.PERMISSION_DENIED and seen == []
