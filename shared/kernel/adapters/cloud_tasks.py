"""Cloud Tasks adapter (firebase-admin task queues), imported and created lazily.

Against the emulator (`CLOUD_TASKS_EMULATOR_HOST`) firebase-admin talks to it directly.
"""

from __future__ import annotations

import logging
from typing import Any

from shared.kernel.adapters.firebase_app import using_emulator
from shared.kernel.tasks import TaskScheduler

log = logging.getLogger(__name__)


class CloudTasksScheduler(TaskScheduler):
    def __init__(self, region: str, app: Any) -> None:
        self._region = region
        self._app = app

    def enqueue(self, function: str, payload: dict[str, Any], *, task_id: str, delay_seconds: int = 0) -> bool:
        from firebase_admin import exceptions, functions

        queue = functions.task_queue(f"locations/{self._region}/functions/{function}", app=self._app)
        options = functions.TaskOptions(task_id=task_id, schedule_delay_seconds=max(0, int(delay_seconds)))
        try:
            # Task-queue functions speak the callable protocol: the body must be {"data": ...}.
            queue.enqueue({"data": payload}, options)
        except (exceptions.AlreadyExistsError, exceptions.ConflictError):
            log.info("task %s already enqueued", task_id)
            return False
        except ValueError as exc:
            # firebase-admin 7.7 drops the first character of the task name the emulator
            # returns and cannot parse it: the task was created all the same.
            if not (using_emulator() and "resource name" in str(exc)):
                raise
        log.info("task %s enqueued for %s in %ss", task_id, function, delay_seconds)
        return True
