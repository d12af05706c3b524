"""The profile migration against the Firestore emulator: every profile listed, fields moved once."""

from typing import Any

from devtools.migrate_profiles import migrate
from shared.accounts.services.provider_profiles import PRIVATE_FIELDS


def test_private_fields_move_to_the_account_document_of_every_profile(firestore_client: Any) -> None:
    legacy = {"type": "lawyer", "isVisible": True, "email": "a@x.test", "missedCalls": 2, "stripeAccountId": "acct_1"}
    for n in range(305):  # more than one page of list_documents
        firestore_client.document(f"sos_profiles/p{n:03d}").set(legacy if n % 100 == 0 else {"type": "expat"})
    dry = migrate(firestore_client, apply=False)
    assert sorted(dry["profiles"]) == ["p000", "p100", "p200", "p300"]
    assert firestore_client.document("sos_profiles/p100").get().to_dict() == legacy

    report = migrate(firestore_client, apply=True)
    assert report["profiles"]["p300"] == ["email", "missedCalls", "stripeAccountId"]
    for uid in ("p000", "p100", "p200", "p300"):
        public = firestore_client.document(f"sos_profiles/{uid}").get().to_dict()
        assert public == {"type": "lawyer", "isVisible": True} and not PRIVATE_FIELDS & public.keys()
        account = firestore_client.document(f"sos_profiles/{uid}/private/account").get().to_dict()
        assert account == {"email": "a@x.test", "missedCalls": 2, "stripeAccountId": "acct_1"}
    assert migrate(firestore_client, apply=True)["profiles"] == {}
