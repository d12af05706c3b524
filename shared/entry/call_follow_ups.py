"""What a committed Twilio callback asked for, carried out with the instance's adapters."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from shared.entry import wiring

if TYPE_CHECKING:
    from shared.calls.ports.telephony import Telephony
    from shared.calls.services.payment_recovery import Settle
    from shared.calls.services.twilio_callbacks import CallbackResult


def carry_out_callback(
    result: CallbackResult, session_id: str, *, region: str, telephony: Telephony, settle: Settle
) -> None:
    from shared.calls.domain.settings import CallSettings
    from shared.calls.services.costs import record_call_costs
    from shared.calls.services.twilio_callbacks import carry_out

    carry_out(
        result,
        session_id,
        tasks=wiring.task_scheduler(region),
        telephony=telephony,
        settle=settle,
        # Only the next dial's backoff needs the settings: no extra read for other callbacks.
        settings=CallSettings.from_document(wiring.store().get("settings/calls"))
        if result.next_dial
        else CallSettings(),
        record_costs=partial(record_call_costs, store=wiring.store(), telephony=telephony),
    )


def apply_forgotten_twilio_callbacks(*, region: str, telephony: Telephony, settle: Settle) -> int:
    """Applies the Twilio callbacks stored by their webhook whose processing task was never
    enqueued; returns how many."""
    from shared.calls.services import twilio_inbox

    process_one = partial(
        twilio_inbox.process,
        store=wiring.store(),
        telephony=telephony,
        tasks=wiring.task_scheduler(region),
        clock=wiring.clock(),
        settle=settle,
    )
    applied = twilio_inbox.process_forgotten(store=wiring.store(), now=wiring.clock().now(), process_one=process_one)
    return len(applied)
