"""Regions, secrets and quota, checked on the manifest generated from the code."""

import json
from pathlib import Path
from typing import Any

import pytest

from devtools import manifest
from devtools.ports import CODEBASE_REGIONS

ROOT = Path(__file__).resolve().parents[2]
MONEY_OR_CALL_SECRETS = {
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_ACCOUNT_SID",
    "PAYPAL_CLIENT_SECRET",
    "WISE_API_TOKEN",
}
TWILIO_WEBHOOKS = ("twilioCallWebhook", "twilioGatherResponse", "twilioAmdTwiml", "twilioConferenceWebhook")
# Twilio sends these in bursts (every hang-up sends several at once) and never retries them.
# twilioAmdTwiml gets one result per call and only hangs up: small instances serve it.
BURST_WEBHOOKS = ("twilioCallWebhook", "twilioGatherResponse", "twilioConferenceWebhook")


@pytest.fixture(scope="module")
def generated() -> dict[str, Any]:
    return manifest.build_manifest()


def test_the_booking_payment_functions_are_in_west3(generated: dict[str, Any]) -> None:
    by_name = {f["name"]: f for f in generated["functions"]}
    assert by_name["createPaymentIntent"]["region"] == "europe-west3"
    assert by_name["createPaymentIntent"]["trigger"] == "callable"
    assert by_name["stripeWebhook"]["region"] == "europe-west3"
    assert by_name["stripeWebhook"]["trigger"] == "https"


def test_every_function_is_in_its_codebase_region(generated: dict[str, Any]) -> None:
    assert generated["functions"]
    for entry in generated["functions"]:
        module = manifest.load_main(entry["codebase"])
        assert CODEBASE_REGIONS[entry["codebase"]] == module.REGION
        assert entry["region"] == module.REGION, entry["name"]


def test_money_and_call_secrets_are_bound_only_in_west3(generated: dict[str, Any]) -> None:
    for entry in generated["functions"]:
        if entry["codebase"] != "west3":
            assert not set(entry["secrets"]) & MONEY_OR_CALL_SECRETS, entry["name"]
    assert "STRIPE_SECRET_KEY" in {s for f in generated["functions"] for s in f["secrets"]}


def test_every_function_declares_limits_and_payment_functions_run_one_request_at_a_time(
    generated: dict[str, Any],
) -> None:
    for entry in generated["functions"]:
        assert isinstance(entry["maxInstances"], int) and entry["maxInstances"] >= 1, entry["name"]
        assert entry["minInstances"] == 0, entry["name"]
        if entry["codebase"] == "west3" and entry["name"] not in TWILIO_WEBHOOKS:
            assert entry["concurrency"] == 1, entry["name"]


def test_twilio_webhooks_serve_concurrent_callbacks_on_a_whole_vcpu(generated: dict[str, Any]) -> None:
    by_name = {f["name"]: f for f in generated["functions"]}
    for name in BURST_WEBHOOKS:
        assert by_name[name]["concurrency"] > 1, name
        assert by_name[name]["maxInstances"] * by_name[name]["concurrency"] >= 20, name


def test_cpu_settings_are_ones_firebase_deploys(generated: dict[str, Any]) -> None:
    """firebase-tools' rules: (0.08, 1], 2, 4, 6, 8 or gcf_gen1; concurrency > 1 needs a whole
    vCPU; more than 512 MiB needs at least half a vCPU."""
    for entry in generated["functions"]:
        cpu, name = entry["cpu"], entry["name"]
        assert cpu == "gcf_gen1" or 0.08 <= cpu <= 1 or cpu in (2, 4, 6, 8), name
        if entry["concurrency"] > 1:
            assert entry["vcpu"] >= 1, name
        if entry["memoryMb"] > 512:
            assert entry["vcpu"] >= 0.5, name


def test_every_region_keeps_within_the_budget_that_leaves_room_for_more_functions(
    generated: dict[str, Any],
) -> None:
    assert manifest.REGIONAL_VCPU_BUDGET == 7.6 and generated["budgetVcpuPerRegion"] == 7.6
    for region, total in generated["regions"].items():
        assert total <= manifest.REGIONAL_VCPU_BUDGET, f"{region} needs {total} vCPU"


def test_make_manifest_fails_above_the_quota_and_passes_within_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def with_total(vcpu: float) -> dict[str, Any]:
        functions = [{"region": "europe-west3", "vcpu": vcpu, "maxInstances": 1}]
        return {"functions": functions, "regions": manifest.vcpu_by_region(functions)}

    monkeypatch.setattr(manifest, "ROOT", tmp_path)
    monkeypatch.setattr(manifest, "build_manifest", lambda: with_total(10.5))
    assert manifest.main() == 1
    assert "quota exceeded" in capsys.readouterr().err
    monkeypatch.setattr(manifest, "build_manifest", lambda: with_total(8.0))  # over budget, under quota
    assert manifest.main() == 0
    assert json.loads((tmp_path / "functions-manifest.json").read_text())["regions"] == {"europe-west3": 8.0}


def test_summed_vcpu_times_max_instances_fits_the_regional_quota(generated: dict[str, Any]) -> None:
    for region, total in generated["regions"].items():
        assert total <= manifest.REGIONAL_VCPU_QUOTA, f"{region} needs {total} vCPU"


def test_quota_check_counts_vcpu_times_instances() -> None:
    functions = [
        {"region": "europe-west3", "vcpu": 1.0, "maxInstances": 6},
        {"region": "europe-west3", "vcpu": 0.333, "maxInstances": 15},
    ]
    assert manifest.vcpu_by_region(functions) == {"europe-west3": 10.995}
    assert manifest.vcpu(2, 512) == 2.0
    assert manifest.vcpu("gcf_gen1", 1024) == 0.583


def test_firebase_json_declares_three_python_codebases_with_the_vendoring_predeploy() -> None:
    config = json.loads((ROOT / "firebase.json").read_text())
    entries = {f["codebase"]: f for f in config["functions"]}
    assert set(entries) == set(CODEBASE_REGIONS)
    for codebase, entry in entries.items():
        assert entry["source"] == manifest.CODEBASES[codebase]
        assert entry["runtime"] == "python311"
        assert any("vendor_shared.py" in step for step in entry["predeploy"])
        assert (ROOT / entry["source"] / "requirements.txt").exists()
    assert config["emulators"]["ui"]["enabled"] is False
