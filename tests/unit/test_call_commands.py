"""CreateAndScheduleCallCommand: untrusted callable data, each problem naming its field."""

import pytest

from shared.calls.services.commands import CreateAndScheduleCallCommand
from shared.kernel.commands import parse_command
from shared.kernel.errors import InvalidArgument
from tests.unit.call_world import CLIENT_PHONE, PROVIDER


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("providerId", ""),
        ("providerId", "a/b"),
        ("clientId", None),
        ("clientId", "x" * 129),
        ("paymentIntentId", "ch_123"),
        ("paymentIntentId", 42),
        ("clientPhone", "0612345678"),
        ("clientPhone", "+33 6"),
        ("serviceType", "plumber_call"),
        ("providerPhone", "not a phone"),
        ("language", "it"),
        ("language", 7),
    ],
)
def test_bad_command_fields_are_named(field: str, value: object) -> None:
    data = {
        "providerId": PROVIDER,
        "clientId": "client1",
        "paymentIntentId": "pi_1",
        "clientPhone": CLIENT_PHONE,
        "serviceType": "lawyer_call",
        field: value,
    }
    with pytest.raises(InvalidArgument) as raised:
        parse_command(CreateAndScheduleCallCommand, data)
    assert raised.value.field == field


@pytest.mark.parametrize("field", ["providerId", "clientId", "paymentIntentId", "clientPhone", "serviceType"])
def test_missing_command_fields_are_named(field: str) -> None:
    data = {"providerId": "p", "clientId": "c", "paymentIntentId": "pi_1", "clientPhone": CLIENT_PHONE}
    data["serviceType"] = "lawyer_call"
    del data[field]
    with pytest.raises(InvalidArgument) as raised:
        parse_command(CreateAndScheduleCallCommand, data)
    assert (raised.value.field, raised.value.message) == (field, f"{field}: is required")


def test_command_normalises_language_and_phones() -> None:
    data = {"providerId": "p", "clientId": "c", "paymentIntentId": "pi_1", "serviceType": "expat_call"}
    cmd = parse_command(CreateAndScheduleCallCommand, {**data, "clientPhone": "+33 6 12 34 56 78", "language": "PT-br"})
    assert (cmd.clientPhone, cmd.language, cmd.providerPhone) == ("+33612345678", "pt", None)
