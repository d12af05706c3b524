"""europe-west2 training: the modules of the affiliate's role, and completing one."""

from __future__ import annotations

from typing import Any

from firebase_functions import https_fn, options

from shared.entry import wiring
from shared.entry.callables import run_callable
from shared.kernel.commands import parse_command

TRAINING_OPTIONS: dict[str, Any] = {
    "memory": options.MemoryOption.MB_256,
    "cpu": 0.08,  # one request at a time: the smallest CPU Cloud Run takes
    "max_instances": 2,
    "timeout_sec": 30,
}


@https_fn.on_call(**TRAINING_OPTIONS)
def listTrainingModules(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{language?}`: the role's modules in order, quiz without answers, what is completed, badges."""
    from shared.affiliates.services.training import ListTrainingCommand, list_training_modules

    result: dict[str, Any] = run_callable(
        req,
        lambda caller, data: list_training_modules(
            parse_command(ListTrainingCommand, data if data is not None else {}), caller, store=wiring.store()
        ),
    )
    return result


@https_fn.on_call(**TRAINING_OPTIONS)
def completeTrainingModule(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """`{moduleId, answers: {questionId: choiceId}}`: passed only when every answer is right."""
    from shared.affiliates.services.training import CompleteTrainingCommand, complete_training_module

    result: dict[str, Any] = run_callable(
        req,
        lambda caller, data: complete_training_module(
            parse_command(CompleteTrainingCommand, data), caller, store=wiring.store(), clock=wiring.clock()
        ),
    )
    return result
