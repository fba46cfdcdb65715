"""A delegation's instruction for an election (#14 item 2): the proxy's marks must be the instructed ones as a
set; the order in which they are marked is irrelevant."""

from __future__ import annotations

from govern.core.ballot import instructions_followed


def _followed(instructed, given) -> bool:
    return instructions_followed({"instructions": {"7": instructed, "8": "agree"}},
                                 {"choices": {"7": given, "8": "agree"}})


def test_marks_in_another_order_follow_the_instruction():
    assert _followed({"marks": ["c1", "c2", "c3"]}, {"marks": ["c3", "c1", "c2"]})


def test_other_marks_do_not():
    assert not _followed({"marks": ["c1", "c2"]}, {"marks": ["c1"]})
    assert not _followed({"marks": ["c1", "c2"]}, {"marks": ["c1", "c2", "c3"]})
    assert not _followed({"marks": ["c1", "c2"]}, {"marks": ["c1", "c1"]})
    assert not _followed({"marks": []}, "abstain")


def test_an_ordinary_motion_still_compares_exactly():
    assert not instructions_followed({"instructions": {"8": "agree"}}, {"choices": {"8": "oppose"}})
