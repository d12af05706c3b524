"""A Cloud Task whose payload is malformed is acknowledged once, not retried until max_attempts."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from shared.calls.services.dialing import DialTask
from shared.calls.services.task_payloads import callback_task_payload
from shared.entry.tasks import run_task
from shared.kernel.errors import Aborted


def test_a_malformed_payload_is_logged_and_acknowledged_without_running_the_service(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ran: list[Any] = []
    with caplog.at_level(logging.ERROR, logger="shared.entry.tasks"):
        run_task("executeScheduledCall", {"callSessionId": "s1", "party": "nobody"}, DialTask.parse, ran.append)
    assert ran == []
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert "executeScheduledCall" in record.getMessage() and "party" in record.getMessage()


def test_a_well_formed_payload_runs_the_service_with_what_it_parsed() -> None:
    ran: list[Any] = []
    run_task("processTwilioCallback", {"callbackId": "conf-CF1-0001"}, callback_task_payload, ran.append)
    assert [payload.callbackId for payload in ran] == ["conf-CF1-0001"]


def test_a_failing_service_fails_the_delivery_so_cloud_tasks_retries_it() -> None:
    def busy(task: DialTask) -> None:
        raise Aborted("dial s1/provider/1 is claimed; retry later")

    with pytest.raises(Aborted):
        run_task("executeScheduledCall", {"callSessionId": "s1"}, DialTask.parse, busy)
