"""Pseudonyms: keyed, case-insensitive like Qlik's user ids, and not the id itself."""

import hashlib
import hmac

from sim.importers.anonymise import pseudonym


def test_a_pseudonym_is_the_keyed_hash_of_the_case_folded_user() -> None:
    expected = "u-" + hmac.new(b"salt", b"corp\\alice", hashlib.sha256).hexdigest()[:16]
    assert pseudonym(b"salt", "CORP", "Alice") == expected
    assert pseudonym(b"salt", "corp", "ALICE") == expected
    assert pseudonym(b"other", "CORP", "Alice") != expected
    assert pseudonym(b"salt", "PARTNER", "Alice") != expected
