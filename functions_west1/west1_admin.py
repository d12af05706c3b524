"""europe-west1 admin console: settings, users and roles, the operations dashboard and the call
session finder. Every function is an admin callable (`ADMIN_LABELS`): anyone without the admin
claim gets PERMISSION_DENIED, and each call leaves one `admin_action_logs` row. Imported by
main.py once the codebase's region is set."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from firebase_functions import https_fn, options, scheduler_fn

from shared.entry import wiring
from shared.entry.callables import ADMIN_LABELS, run_admin_callable
from shared.kernel.commands import parse_command

SMALL_CPU: Any = 0.08  # the smallest CPU Cloud Run takes (the SDK annotates `cpu` as int only)
ADMIN: dict[str, Any] = {
    "memory": options.MemoryOption.MB_256,
    "cpu": SMALL_CPU,
    "max_instances": 1,
    "timeout_sec": 60,
    "labels": ADMIN_LABELS,
}


def _run(
    req: https_fn.CallableRequest[Any], action: str, command: Any, use: Callable[[Any, Any], Any]
) -> dict[str, Any]:
    """Parse the admin's input with `command`, then `use(command, admin)`."""
    return run_admin_callable(req, action, lambda admin, data: use(parse_command(command, data or {}), admin))


@https_fn.on_call(**ADMIN)
def getSettings(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{name}`: the values in force (defaults filled in), their version and recent history."""
    from shared.admin.services.settings_admin import SettingsNameCommand, get_settings

    return _run(
        req, "getSettings", SettingsNameCommand, lambda cmd, admin: get_settings(cmd, admin, store=wiring.store())
    )


@https_fn.on_call(**ADMIN)
def updateSettings(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{name, values}`: merged into what is in force, validated, written as the next version."""
    from shared.admin.services.settings_admin import UpdateSettingsCommand, update_settings

    return _run(
        req,
        "updateSettings",
        UpdateSettingsCommand,
        lambda cmd, admin: update_settings(cmd, admin, store=wiring.store(), clock=wiring.clock()),
    )


@https_fn.on_call(**ADMIN)
def revertSettings(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{name, version}`: that version's values, written as the next version."""
    from shared.admin.services.settings_admin import RevertSettingsCommand, revert_settings

    return _run(
        req,
        "revertSettings",
        RevertSettingsCommand,
        lambda cmd, admin: revert_settings(cmd, admin, store=wiring.store(), clock=wiring.clock()),
    )


@https_fn.on_call(**ADMIN)
def listUsers(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{role?, status?, country?, createdAfter?, pageSize?, pageToken?}`, oldest first."""
    from shared.admin.services.users_admin import ListUsersCommand, list_users

    return _run(req, "listUsers", ListUsersCommand, lambda cmd, admin: list_users(cmd, admin, store=wiring.store()))


@https_fn.on_call(**ADMIN)
def getUser(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{uid}`: the user document, claims, Auth state, provider profile, calls, payments, subscription."""
    from shared.admin.services.users_admin import UserIdCommand, get_user

    return _run(
        req,
        "getUser",
        UserIdCommand,
        lambda cmd, admin: get_user(cmd, admin, store=wiring.store(), directory=wiring.account_directory()),
    )


@https_fn.on_call(**ADMIN)
def setUserRole(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{uid, role?, admin?}`: a role the account's profile allows; admin granted or removed."""
    from shared.admin.services.users_admin import SetUserRoleCommand, set_user_role

    return _run(
        req,
        "setUserRole",
        SetUserRoleCommand,
        lambda cmd, admin: set_user_role(cmd, admin, store=wiring.store(), directory=wiring.account_directory()),
    )


def _disabled(req: https_fn.CallableRequest[Any], action: str, disabled: bool) -> dict[str, Any]:
    from shared.admin.services.users_admin import UserIdCommand, set_user_disabled

    return _run(
        req,
        action,
        UserIdCommand,
        lambda cmd, admin: set_user_disabled(
            cmd, admin, disabled, store=wiring.store(), directory=wiring.account_directory(), clock=wiring.clock()
        ),
    )


@https_fn.on_call(**ADMIN)
def disableUser(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{uid}`: Auth disabled, refresh tokens revoked, every callable refused, provider hidden."""
    return _disabled(req, "disableUser", True)


@https_fn.on_call(**ADMIN)
def enableUser(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{uid}`: enabled again (an approved provider visible again)."""
    return _disabled(req, "enableUser", False)


@https_fn.on_call(**ADMIN)
def getAdminDashboard(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Today and the last 30 days, from the daily metrics documents and the last health check."""
    from shared.admin.services.dashboard import admin_dashboard

    return run_admin_callable(
        req, "getAdminDashboard", lambda admin, data: admin_dashboard(wiring.store(), today=wiring.clock().now().date())
    )


@https_fn.on_call(**ADMIN)
def findCallSession(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{callSessionId} | {paymentIntentId} | {clientEmail}`: the session and its whole story."""
    from shared.admin.services.sessions_admin import FindCallSessionCommand, find_call_session

    return _run(
        req,
        "findCallSession",
        FindCallSessionCommand,
        lambda cmd, admin: find_call_session(cmd, store=wiring.store()),
    )


@scheduler_fn.on_schedule(
    schedule="every 1 hours",
    timezone=options.Timezone("UTC"),
    memory=options.MemoryOption.MB_256,
    cpu=SMALL_CPU,
    max_instances=1,
    timeout_sec=300,
)
def collectAdminMetrics(event: scheduler_fn.ScheduledEvent) -> None:
    """The dashboard's state figures (subscriptions, commissions, withdrawals), each from its area."""
    from shared.admin.services.metrics import collect_admin_metrics

    collect_admin_metrics(store=wiring.store(), clock=wiring.clock())
