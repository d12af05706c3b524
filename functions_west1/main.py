"""europe-west1: core and admin functions (no secret that can move money or place calls: its
only Stripe key is a restricted, read-only one)."""

from __future__ import annotations

from typing import Any

from firebase_functions import https_fn, identity_fn, options, params
from flask import Request, Response

from shared.entry import wiring
from shared.entry.callables import ADMIN_LABELS, run_admin_callable, run_callable
from shared.entry.codebase import configure_codebase
from shared.kernel.commands import Caller, parse_command

REGION = "europe-west1"
CODEBASE = "west1"
CALLS_REGION = "europe-west3"  # executeScheduledCall's queue lives with the telephony code

configure_codebase(CODEBASE, REGION)

from west1_admin import (  # noqa: E402
    collectAdminMetrics,
    disableUser,
    enableUser,
    findCallSession,
    getAdminDashboard,
    getSettings,
    getUser,
    listUsers,
    revertSettings,
    setUserRole,
    updateSettings,
)
from west1_operations import exportCommissions, exportPayments, scheduledFirestoreBackup  # noqa: E402

__all__ = [  # declared in west1_admin and west1_operations, served from this module
    "collectAdminMetrics",
    "disableUser",
    "enableUser",
    "exportCommissions",
    "exportPayments",
    "findCallSession",
    "getAdminDashboard",
    "getSettings",
    "getUser",
    "listUsers",
    "revertSettings",
    "scheduledFirestoreBackup",
    "setUserRole",
    "updateSettings",
]

ENCRYPTION_KEY = params.SecretParam("ENCRYPTION_KEY")
STRIPE_RESTRICTED_KEY = params.SecretParam("STRIPE_RESTRICTED_KEY")  # rk_..., PaymentIntents: read only
PING_CPU: Any = 0.08  # the smallest CPU Cloud Run takes (the SDK annotates `cpu` as int only)


@https_fn.on_call(secrets=[ENCRYPTION_KEY, STRIPE_RESTRICTED_KEY], max_instances=5, timeout_sec=60)
def createAndScheduleCall(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.calls.services.commands import CreateAndScheduleCallCommand
    from shared.calls.services.scheduling import create_and_schedule_call

    def service(caller: Caller | None, data: Any) -> dict[str, Any]:
        cmd = parse_command(CreateAndScheduleCallCommand, data)
        return create_and_schedule_call(
            cmd,
            caller,
            store=wiring.store(),
            vault=wiring.phone_vault(ENCRYPTION_KEY.value),
            tasks=wiring.task_scheduler(CALLS_REGION),
            clock=wiring.clock(),
            gateway=wiring.stripe_gateway(STRIPE_RESTRICTED_KEY.value),
        ).as_response()

    result: dict[str, Any] = run_callable(req, service)
    return result


@identity_fn.before_user_created(memory=options.MemoryOption.MB_256, max_instances=2, timeout_sec=7)
def beforeUserCreated(event: identity_fn.AuthBlockingEvent) -> identity_fn.BeforeCreateResponse | None:
    """Every self-service sign-up is a client account (the role claim is set before its first
    ID token); Identity Platform must call this function within 7 s (README, Deploying)."""
    from shared.accounts.services.clients import claims_at_sign_up

    claims = claims_at_sign_up(event.data.custom_claims)
    return None if claims is None else identity_fn.BeforeCreateResponse(custom_claims=claims)


@https_fn.on_call(memory=options.MemoryOption.MB_256, max_instances=2, timeout_sec=30)
def completeClientProfile(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.accounts.services.clients import complete_client_profile
    from shared.accounts.services.commands import CompleteClientProfileCommand

    return _decision(req, complete_client_profile, CompleteClientProfileCommand)


@https_fn.on_call(secrets=[ENCRYPTION_KEY], memory=options.MemoryOption.MB_256, max_instances=2, timeout_sec=30)
def registerProvider(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.accounts.services.commands import RegisterProviderCommand
    from shared.accounts.services.registration import register_provider

    def service(caller: Caller | None, data: Any) -> dict[str, Any]:
        return register_provider(
            parse_command(RegisterProviderCommand, data),
            caller,
            store=wiring.store(),
            directory=wiring.account_directory(),
            vault=wiring.phone_vault(ENCRYPTION_KEY.value),
            clock=wiring.clock(),
        )

    result: dict[str, Any] = run_callable(req, service)
    return result


ADMIN_OPTIONS: dict[str, Any] = {"memory": options.MemoryOption.MB_256, "max_instances": 1, "timeout_sec": 30}


@https_fn.on_call(**ADMIN_OPTIONS, labels=ADMIN_LABELS)
def listPendingProviders(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.accounts.services.approval import list_pending_providers

    result: dict[str, Any] = run_admin_callable(
        req, "listPendingProviders", lambda caller, data: list_pending_providers(caller, store=wiring.store())
    )
    return result


def _decision(req: https_fn.CallableRequest[Any], decide: Any, command: Any) -> dict[str, Any]:
    result: dict[str, Any] = run_callable(
        req,
        lambda caller, data: decide(parse_command(command, data), caller, store=wiring.store(), clock=wiring.clock()),
    )
    return result


def _admin_decision(req: https_fn.CallableRequest[Any], action: str, decide: Any, command: Any) -> dict[str, Any]:
    return run_admin_callable(
        req,
        action,
        lambda caller, data: decide(parse_command(command, data), caller, store=wiring.store(), clock=wiring.clock()),
    )


@https_fn.on_call(**ADMIN_OPTIONS, labels=ADMIN_LABELS)
def approveProvider(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.accounts.services.approval import approve_provider
    from shared.accounts.services.commands import ProviderIdCommand

    return _admin_decision(req, "approveProvider", approve_provider, ProviderIdCommand)


@https_fn.on_call(**ADMIN_OPTIONS, labels=ADMIN_LABELS)
def rejectProvider(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.accounts.services.approval import reject_provider
    from shared.accounts.services.commands import ProviderDecisionCommand

    return _admin_decision(req, "rejectProvider", reject_provider, ProviderDecisionCommand)


@https_fn.on_call(**ADMIN_OPTIONS, labels=ADMIN_LABELS)
def suspendProvider(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.accounts.services.approval import suspend_provider
    from shared.accounts.services.commands import ProviderDecisionCommand

    return _admin_decision(req, "suspendProvider", suspend_provider, ProviderDecisionCommand)


@https_fn.on_call(memory=options.MemoryOption.MB_256, max_instances=2, timeout_sec=30)
def setProviderAvailability(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.accounts.services.availability import set_provider_availability
    from shared.accounts.services.commands import AvailabilityCommand

    return _decision(req, set_provider_availability, AvailabilityCommand)


@https_fn.on_call(memory=options.MemoryOption.MB_256, max_instances=2, timeout_sec=30)
def updateProviderProfile(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.accounts.services.commands import UpdateProviderProfileCommand
    from shared.accounts.services.profile_editing import update_provider_profile

    return _decision(req, update_provider_profile, UpdateProviderProfileCommand)


@https_fn.on_request(memory=options.MemoryOption.MB_256, cpu=PING_CPU, max_instances=1, timeout_sec=10)
def ping(req: Request) -> Response:
    """Liveness for uptime checks: answers 204 without touching Firestore (also the baseline of
    `make bench`'s webhook storm)."""
    return Response(status=204)
