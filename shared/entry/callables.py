"""Run a callable's service and map business errors to HttpsError codes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from firebase_functions import https_fn

from shared.kernel.commands import Caller
from shared.kernel.errors import DomainError

log = logging.getLogger(__name__)

_CODES = {
    "INVALID_ARGUMENT": https_fn.FunctionsErrorCode.INVALID_ARGUMENT,
    "UNAUTHENTICATED": https_fn.FunctionsErrorCode.UNAUTHENTICATED,
    "PERMISSION_DENIED": https_fn.FunctionsErrorCode.PERMISSION_DENIED,
    "NOT_FOUND": https_fn.FunctionsErrorCode.NOT_FOUND,
    "FAILED_PRECONDITION": https_fn.FunctionsErrorCode.FAILED_PRECONDITION,
    "ALREADY_EXISTS": https_fn.FunctionsErrorCode.ALREADY_EXISTS,
    "RESOURCE_EXHAUSTED": https_fn.FunctionsErrorCode.RESOURCE_EXHAUSTED,
    "ABORTED": https_fn.FunctionsErrorCode.ABORTED,
    "UNAVAILABLE": https_fn.FunctionsErrorCode.UNAVAILABLE,
}


def caller_of(req: https_fn.CallableRequest[Any]) -> Caller | None:
    if req.auth is None or not req.auth.uid:
        return None
    return Caller(uid=req.auth.uid, claims=dict(req.auth.token or {}))


def run_callable(req: https_fn.CallableRequest[Any], service: Callable[[Caller | None, Any], Any]) -> Any:
    """A callable for signed-in users: an anonymous call is refused before its input is read, and
    so is a disabled account (its ID token may still be valid for up to an hour)."""
    caller = caller_of(req)
    if caller is None:
        raise https_fn.HttpsError(
            https_fn.FunctionsErrorCode.UNAUTHENTICATED, "sign in first: this function requires an authenticated user"
        )
    return _answer(lambda user, data: _enabled(user, data, service), caller, req.data)


def refuse_disabled(uid: str) -> None:
    """PERMISSION_DENIED when an admin disabled the account (one read of `users/{uid}`)."""
    from shared.accounts.services.admin_users import ensure_enabled
    from shared.entry import wiring

    ensure_enabled(wiring.store(), uid)


def _enabled(caller: Caller | None, data: Any, service: Callable[[Caller | None, Any], Any]) -> Any:
    if caller is not None:
        ACCOUNT_CHECK(caller.uid)
    return service(caller, data)


ACCOUNT_CHECK: Callable[[str], None] = refuse_disabled


def run_open_callable(req: https_fn.CallableRequest[Any], service: Callable[[Caller | None, Any], Any]) -> Any:
    """A callable anyone may call before having an account (sign-up): the caller, if signed in,
    is passed along; errors are mapped as for `run_callable`."""
    return _answer(service, caller_of(req), req.data)


def _answer(service: Callable[[Caller | None, Any], Any], caller: Caller | None, data: Any) -> Any:
    try:
        return service(caller, data)
    except DomainError as exc:
        log.info("callable rejected: %s %s", exc.code, exc.message, exc_info=exc.__cause__ is not None)
        raise https_fn.HttpsError(_CODES.get(exc.code, https_fn.FunctionsErrorCode.INTERNAL), exc.message) from None
    except https_fn.HttpsError:
        raise
    except Exception:
        log.exception("callable failed")
        raise https_fn.HttpsError(https_fn.FunctionsErrorCode.INTERNAL, "internal error; retry later") from None


ADMIN_LABELS = {"access": "admin"}
"""The label every admin callable is deployed with: the manifest lists them by it."""


def run_admin_callable(
    req: https_fn.CallableRequest[Any], action: str, service: Callable[[Caller, Any], Any]
) -> dict[str, Any]:
    """An admin callable: refused to anyone without the `admin` claim, logged in
    `admin_action_logs` (one row per call, refused ones with their error code)."""
    from shared.admin.services.audit import audited
    from shared.entry import wiring

    def run(caller: Caller | None, data: Any) -> dict[str, Any]:
        return audited(action, caller, lambda admin: service(admin, data), store=wiring.store(), clock=wiring.clock())

    result: dict[str, Any] = run_callable(req, run)
    return result
