"""west1 may hold at most a read-only restricted Stripe key (SPEC §2)."""

from devtools import manifest

WEST1_ALLOWED_SECRETS = {"ENCRYPTION_KEY", "STRIPE_RESTRICTED_KEY"}


def test_west1_binds_only_the_encryption_key_and_the_restricted_stripe_key() -> None:
    west1 = [f for f in manifest.build_manifest()["functions"] if f["codebase"] == "west1"]
    assert west1
    for entry in west1:
        assert set(entry["secrets"]) <= WEST1_ALLOWED_SECRETS, entry["name"]
    booking = next(f for f in west1 if f["name"] == "createAndScheduleCall")
    assert "STRIPE_RESTRICTED_KEY" in booking["secrets"]
