"""#14 item 6: a first assembly convened by the preparatory group can be extended (R12); `govern verify` takes the
extension when a member of the group (on keys.json's committee) signed it."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from govern.core.ballot import format_time, new_nonce
from govern.core.extensions import build_extension, extension_problems
from govern.core.keybook import KeyBook, _Enrolment
from govern.core.keys import generate_keypair, sign

T0 = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.mark.parametrize("committee, auditors, ok", [(["7"], [], True), ([], ["7"], False)])
def test_an_extension_signed_by_the_group_verifies(committee, auditors, ok):
    private, public = generate_keypair()
    obj = build_extension(community="1", meeting="2", convener="preparatory", previous_closes_at="2026-05-10T00:00:00Z",
                          closes_at="2026-05-17T00:00:00Z", reason="业主要求延长投票期",
                          issued_at="2026-05-09T00:00:00Z", nonce=new_nonce(os.urandom))
    meeting = {"community": "1", "meeting": "2", "closes_at": "2026-05-17T00:00:00Z",
               "extensions": [{"extension": obj, "key_id": public, "signature": sign(private, obj),
                               "received_at": format_time(datetime(2026, 5, 9, 1, tzinfo=UTC))}]}
    keys = KeyBook([_Enrolment("7", public, T0, None)], committee, auditors)
    assert (extension_problems(meeting, keys) == []) is ok
