"""The ledger's idempotency key of a client's key always fits its column: the longest key of
the longest username is stored as a digest, distinct keys stay distinct, short ones as typed."""

from __future__ import annotations

from safetynet.web.settling import KEY_LENGTH, stored_key


def test_short_keys_are_stored_as_typed() -> None:
    assert stored_key("api", "clerk", "k1") == "api-clerk-k1"


def test_the_longest_keys_fit_and_stay_distinct() -> None:
    user = "u" * 64
    keys = {stored_key(channel, user, f"{n:064d}") for channel in ("api", "fhir", "web")
            for n in range(50)}  # fmt: skip
    assert len(keys) == 150
    assert max(len(k) for k in keys) <= KEY_LENGTH == 80
