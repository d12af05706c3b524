"""Task scheduler port (Cloud Tasks queues of task-queue functions)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any


class TaskScheduler(ABC):
    @abstractmethod
    def enqueue(self, function: str, payload: dict[str, Any], *, task_id: str, delay_seconds: int = 0) -> bool:
        """Enqueue once per `task_id`: returns False when that task already exists."""
