"""europe-west2 affiliate sign-up: four callables anyone may call (they create the account)."""

from __future__ import annotations

from typing import Any

from firebase_functions import https_fn, options

from shared.entry import wiring
from shared.entry.callables import run_open_callable
from shared.kernel.commands import Caller, parse_command

SIGN_UP_OPTIONS: dict[str, Any] = {"memory": options.MemoryOption.MB_256, "max_instances": 2, "timeout_sec": 30}


def _sign_up(req: https_fn.CallableRequest[Any], command: Any) -> dict[str, Any]:
    from shared.affiliates.services.registration import register_affiliate

    def service(caller: Caller | None, data: Any) -> dict[str, Any]:
        cmd = parse_command(command, data)
        return register_affiliate(cmd, store=wiring.store(), directory=wiring.account_directory(), clock=wiring.clock())

    result: dict[str, Any] = run_open_callable(req, service)
    return result


@https_fn.on_call(**SIGN_UP_OPTIONS)
def registerChatter(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.affiliates.services.commands import RegisterChatterCommand

    return _sign_up(req, RegisterChatterCommand)


@https_fn.on_call(**SIGN_UP_OPTIONS)
def registerInfluencer(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.affiliates.services.commands import RegisterInfluencerCommand

    return _sign_up(req, RegisterInfluencerCommand)


@https_fn.on_call(**SIGN_UP_OPTIONS)
def registerBlogger(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.affiliates.services.commands import RegisterBloggerCommand

    return _sign_up(req, RegisterBloggerCommand)


@https_fn.on_call(**SIGN_UP_OPTIONS)
def registerGroupAdmin(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    from shared.affiliates.services.commands import RegisterGroupAdminCommand

    return _sign_up(req, RegisterGroupAdminCommand)
