"""The e2e run's closing lines on what the Functions emulator did slowly."""

from devtools.emulator_log import emulator_troubles

LOG = """i  functions: Beginning execution of "europe-west3-processTwilioCallback"
\u26a0  worker of "europe-west1-createAndScheduleCall" took 6.4 s to start
\u26a0  worker of "europe-west3-processTwilioCallback" took 31.5 s to start
\u26a0  worker of "europe-west3-stuckPaymentsRecovery" did not start: answered 503
\u26a0  worker of "europe-west3-stuckPaymentsRecovery" did not start: answered 503
\u26a0  worker of "europe-west3-twilioCallWebhook" did not start: answered 503
i  Your function timed out after ~60s. To configure this timeout, see
"""


def test_a_quiet_log_gives_nothing() -> None:
    assert emulator_troubles('i  functions: Finished "europe-west3-stripeWebhook" in 21ms\n') == []


def test_slow_and_failed_starts_and_timeouts_are_counted() -> None:
    assert emulator_troubles(LOG) == [
        "2 worker starts took 5 s or more; the slowest, 31.5 s, was europe-west3-processTwilioCallback",
        "workers that never started (answered 503): "
        "europe-west3-stuckPaymentsRecovery x2, europe-west3-twilioCallWebhook x1",
        "1 function runs went past their timeout (the emulator's log does not name them)",
    ]
