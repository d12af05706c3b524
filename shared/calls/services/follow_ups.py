"""What a committed Twilio callback asks for next, done once its transaction is over (never
inside it: these call Twilio and Stripe): hang-ups, the next dial, settlement, the cost figure.

One service for the west3 webhooks, the callback task, the recovery sweep and `make bench`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from shared.calls.ports.telephony import Telephony, TelephonyError
from shared.calls.services.dialing import DialTask, enqueue_attempt
from shared.calls.services.twilio_results import CallbackResult
from shared.kernel.store import DocumentStore
from shared.kernel.tasks import TaskScheduler

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FollowUps:
    store: DocumentStore
    tasks: TaskScheduler
    telephony: Telephony
    settle: Callable[[str], object]
    record_costs: Callable[[str], object] | None = None

    def perform(self, result: CallbackResult, call_session_id: str) -> None:
        """Hang up first (a failed hang-up does not stop the others), then enqueue the next dial,
        then settle and price the call."""
        for call_sid in result.hang_up:
            try:
                self.telephony.hang_up(call_sid)
            except TelephonyError:
                log.warning("could not hang up %s for session %s", call_sid, call_session_id)
        if result.next_dial is not None:
            party, attempt = result.next_dial
            enqueue_attempt(self.tasks, DialTask(call_session_id, party, attempt), result.next_dial_delay_seconds)
        if result.settle:
            self.settle(call_session_id)
            if self.record_costs is not None:
                try:
                    self.record_costs(call_session_id)
                except Exception:  # the pending figure of the final state lets completeCallCosts retry
                    log.warning("cost of session %s left to completeCallCosts", call_session_id, exc_info=True)
