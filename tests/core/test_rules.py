"""The tally (R17–R25): every worked vector of domain-rules §6 and the boundaries of each rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.core.persons import build_persons
from govern.core.register import parse_register
from govern.core.rules import (
    Choice,
    Count,
    DeemedConsent,
    DeemedVariant,
    InvalidPolicy,
    Matter,
    Vote,
    major_legs,
    ordinary_legs,
    quorum_legs,
    tally,
)

DATA = Path(__file__).parent / "data"
# Person ids of the Test Garden (domain-rules §6) by the letters the vectors use.
PID = {"A": "A", "DEV": "DEVELOPER", "B": "B1+B2", **{c: c for c in "CDEFGHIJKLMN"}}


@pytest.fixture(scope="module")
def garden():
    units, errors = parse_register((DATA / "test_garden_register.csv").read_text(encoding="utf-8"))
    assert errors == []
    return build_persons(units)


def garden_tally(roll, matter=Matter.ORDINARY, *, agree=(), oppose=(), abstain=(), invalid=(), **kw):
    votes = []
    for choice, letters in (
        (Choice.AGREE, agree),
        (Choice.OPPOSE, oppose),
        (Choice.ABSTAIN, abstain),
        (Choice.INVALID, invalid),
    ):
        for letter in letters.split() if isinstance(letters, str) else letters:
            votes.append(Vote(PID[letter], roll.person(PID[letter]).area, choice))
    return tally(total_area=roll.total_area, total_persons=roll.total_persons, votes=votes, matter=matter, **kw)


def test_garden_totals_match_vector_table(garden):
    assert (garden.total_area, garden.total_persons) == (200000, 15)
    assert garden.person("A").area == 30000
    assert garden.person("DEVELOPER").area == 40000


def test_v1_ordinary_exactly_two_thirds_adopted(garden):
    r = garden_tally(garden, agree="A C D E F G", oppose="DEV", abstain="H I J")
    assert r.participation == Count(150000, 10)
    assert r.quorum_met
    assert r.agree == Count(80000, 6)
    assert r.adopted and r.reasons == ()


def test_v1_as_major_fails_both_threshold_legs(garden):
    r = garden_tally(garden, Matter.MAJOR, agree="A C D E F G", oppose="DEV", abstain="H I J")
    assert not r.adopted
    assert r.reasons == ("THRESHOLD_AREA", "THRESHOLD_COUNT")


def test_v2_unanimous_agree_below_count_quorum_not_adopted(garden):
    r = garden_tally(garden, agree="A DEV B C D E F G H")
    assert r.participation == Count(140000, 9)
    assert not r.adopted
    assert r.reasons == ("QUORUM_COUNT",)


def test_v3_count_quorum_but_not_area_not_adopted(garden):
    r = garden_tally(garden, agree="B C D E F G H I J K")
    assert r.participation == Count(100000, 10)
    assert r.reasons == ("QUORUM_AREA",)
    assert not r.adopted


def test_v4_exactly_half_of_persons_fails_threshold_count(garden):
    r = garden_tally(garden, agree="DEV C D E F", oppose="A G H I J")
    assert r.agree == Count(80000, 5)
    assert r.participation == Count(150000, 10)
    assert r.reasons == ("THRESHOLD_COUNT",)
    assert not r.adopted


def test_v5_major_exactly_three_quarters_of_persons_adopted(garden):
    r = garden_tally(garden, Matter.MAJOR, agree="A DEV B C D E F G H", oppose="I J", abstain="K")
    assert r.participation == Count(170000, 12)
    assert r.agree == Count(140000, 9)
    assert r.adopted and r.reasons == ()


@pytest.fixture(scope="module")
def mini():
    units, errors = parse_register((DATA / "v6_register.csv").read_text(encoding="utf-8"))
    assert errors == []
    return build_persons(units)


@pytest.mark.parametrize(
    ("voters", "quorum"),
    [(("X", "Y"), False), (("X", "Z"), True)],
)
def test_v6_area_quorum_by_one_hundredth_decided_exactly(mini, voters, quorum):
    votes = [Vote(p, mini.person(p).area, Choice.AGREE) for p in voters]
    r = tally(total_area=mini.total_area, total_persons=mini.total_persons, votes=votes, matter=Matter.ORDINARY)
    assert mini.total_area == 200000
    assert r.quorum_met is quorum
    assert r.adopted is quorum
    assert r.reasons == (() if quorum else ("QUORUM_AREA",))


# -- boundaries, table-driven: exactly at the ratio, one hundredth / one person either side --------------------


@pytest.mark.parametrize(
    ("p_area", "p_count", "expected"),
    [
        (200, 2, (True, True)),  # exactly 2/3 of 3.00 m² and 3 persons
        (199, 2, (False, True)),  # one hundredth below
        (201, 2, (True, True)),  # one hundredth above
        (200, 1, (True, False)),  # one person below
        (300, 3, (True, True)),  # everyone
        (0, 0, (False, False)),  # nobody
    ],
)
def test_quorum_legs_boundaries_match_inequality(p_area, p_count, expected):
    assert tuple(quorum_legs(Count(p_area, p_count), Count(300, 3))) == expected


@pytest.mark.parametrize(
    ("y_area", "y_count", "expected"),
    [
        (500, 5, (False, False)),  # exactly half fails (过半数)
        (501, 6, (True, True)),  # one hundredth / one person above
        (499, 4, (False, False)),  # below
        (1000, 10, (True, True)),
        (0, 0, (False, False)),
    ],
)
def test_ordinary_legs_boundaries_exactly_half_fails(y_area, y_count, expected):
    assert tuple(ordinary_legs(Count(y_area, y_count), Count(1000, 10))) == expected


@pytest.mark.parametrize(
    ("y_area", "y_count", "expected"),
    [
        (300, 3, (True, True)),  # exactly 3/4 passes (以上)
        (299, 2, (False, False)),  # one hundredth / one person below
        (301, 4, (True, True)),
        (0, 0, (False, False)),
    ],
)
def test_major_legs_boundaries_exactly_three_quarters_passes(y_area, y_count, expected):
    assert tuple(major_legs(Count(y_area, y_count), Count(400, 4))) == expected


def test_tally_zero_ballots_ordinary_lists_all_four_reasons():
    r = tally(total_area=1000, total_persons=3, votes=[], matter=Matter.ORDINARY)
    assert r.participation == Count(0, 0)
    assert r.reasons == ("QUORUM_AREA", "QUORUM_COUNT", "THRESHOLD_AREA", "THRESHOLD_COUNT")
    assert not r.adopted


def test_tally_zero_ballots_major_fails_on_quorum_only():
    # 4*0 >= 3*0 holds literally: each leg is evaluated on its own; the quorum still fails.
    r = tally(total_area=1000, total_persons=3, votes=[], matter=Matter.MAJOR)
    assert r.reasons == ("QUORUM_AREA", "QUORUM_COUNT")


@pytest.mark.parametrize(
    ("choice", "adopted", "reasons"),
    [
        (Choice.AGREE, True, ()),
        (Choice.OPPOSE, False, ("THRESHOLD_AREA", "THRESHOLD_COUNT")),
        (Choice.ABSTAIN, False, ("THRESHOLD_AREA", "THRESHOLD_COUNT")),
        (Choice.INVALID, False, ("THRESHOLD_AREA", "THRESHOLD_COUNT")),
    ],
)
def test_tally_one_person_community_follows_their_choice(choice, adopted, reasons):
    r = tally(total_area=8000, total_persons=1, votes=[Vote("A", 8000, choice)], matter=Matter.ORDINARY)
    assert (r.adopted, r.reasons) == (adopted, reasons)


def test_tally_one_person_invalid_excluded_fails_quorum():
    r = tally(
        total_area=8000,
        total_persons=1,
        votes=[Vote("A", 8000, Choice.INVALID)],
        matter=Matter.ORDINARY,
        invalid_policy=InvalidPolicy.EXCLUDED,
    )
    assert r.participation == Count(0, 0)
    assert r.invalid == Count(8000, 1)
    assert r.reasons == ("QUORUM_AREA", "QUORUM_COUNT", "THRESHOLD_AREA", "THRESHOLD_COUNT")


def test_tally_invalid_as_abstain_counts_in_participation(garden):
    # V4 with one opposer's ballot spoilt: quorum holds only if invalid ballots count.
    r = garden_tally(garden, agree="DEV C D E F G", oppose="H I J", invalid="A")
    assert r.participation == Count(150000, 10)
    assert r.invalid == Count(30000, 1)
    assert r.adopted  # 6 of 10, 900.00 of 1500.00


def test_tally_invalid_excluded_leaves_participation(garden):
    r = garden_tally(garden, agree="DEV C D E F G", oppose="H I J", invalid="A", invalid_policy=InvalidPolicy.EXCLUDED)
    assert r.participation == Count(120000, 9)
    assert r.reasons == ("QUORUM_AREA", "QUORUM_COUNT")


def test_tally_abstention_counts_in_participation_not_agree(garden):
    r = garden_tally(garden, agree="A C D E F", abstain="DEV G H I J")
    assert r.participation == Count(150000, 10)
    assert r.abstain == Count(80000, 5)
    assert r.agree == Count(70000, 5)
    assert r.reasons == ("THRESHOLD_AREA", "THRESHOLD_COUNT")  # abstentions act like a no


def test_tally_duplicate_person_raises_value_error():
    votes = [Vote("A", 100, Choice.AGREE), Vote("A", 100, Choice.AGREE)]
    with pytest.raises(ValueError, match="twice"):
        tally(total_area=1000, total_persons=3, votes=votes, matter=Matter.ORDINARY)


@pytest.mark.parametrize("area", [0, -5, True])
def test_tally_non_positive_or_non_integer_area_raises_value_error(area):
    with pytest.raises(ValueError):
        tally(total_area=1000, total_persons=3, votes=[Vote("A", area, Choice.AGREE)], matter=Matter.ORDINARY)


def test_tally_float_area_raises_value_error():
    with pytest.raises(ValueError):
        tally(total_area=1000, total_persons=3, votes=[Vote("A", 100.0, Choice.AGREE)], matter=Matter.ORDINARY)


def test_tally_participation_above_totals_raises_value_error():
    with pytest.raises(ValueError, match="exceed"):
        tally(total_area=100, total_persons=3, votes=[Vote("A", 101, Choice.AGREE)], matter=Matter.ORDINARY)


def test_tally_empty_scope_raises_value_error():
    with pytest.raises(ValueError):
        tally(total_area=0, total_persons=0, votes=[], matter=Matter.ORDINARY)


def test_tally_choice_as_plain_string_accepted():
    r = tally(total_area=100, total_persons=1, votes=[Vote("A", 100, "agree")], matter="ordinary")
    assert r.adopted and r.matter is Matter.ORDINARY


def test_tally_unknown_choice_raises_value_error():
    with pytest.raises(ValueError):
        tally(total_area=100, total_persons=1, votes=[Vote("A", 100, "yes")], matter=Matter.ORDINARY)


def test_to_json_v1_exact_keys_and_two_decimal_strings(garden):
    out = garden_tally(garden, agree="A C D E F G", oppose="DEV", abstain="H I J").to_json()
    assert out == {
        "matter": "ordinary",
        "invalid_policy": "as-abstain",
        "totals": {"area": "2000.00", "persons": 15},
        "participation": {"area": "1500.00", "persons": 10, "quorum_met": True},
        "agree": {"area": "800.00", "persons": 6},
        "oppose": {"area": "400.00", "persons": 1},
        "abstain": {"area": "300.00", "persons": 3},
        "invalid": {"area": "0.00", "persons": 0},
        "adopted": True,
        "reasons": [],
    }


# -- art. 279 (R25) ------------------------------------------------------------------------------------------


def test_unanimous_interested_all_agree_adopted():
    votes = [Vote(p, 100, Choice.AGREE) for p in "ABC"]
    r = tally(
        total_area=1000,
        total_persons=10,
        votes=votes,
        matter=Matter.UNANIMOUS_INTERESTED,
        interested_persons={"A", "B", "C"},
    )
    assert r.adopted and r.reasons == ()
    assert r.to_json()["interested"] == {"persons": 3, "agree": 3}


@pytest.mark.parametrize("missing_choice", [None, Choice.ABSTAIN, Choice.OPPOSE, Choice.INVALID])
def test_unanimous_interested_silence_or_other_choice_not_adopted(missing_choice):
    votes = [Vote(p, 100, Choice.AGREE) for p in "AB"]
    if missing_choice is not None:
        votes.append(Vote("C", 100, missing_choice))
    r = tally(
        total_area=1000,
        total_persons=10,
        votes=votes,
        matter=Matter.UNANIMOUS_INTERESTED,
        interested_persons=["A", "B", "C"],
    )
    assert not r.adopted
    assert r.reasons == ("UNANIMITY",)


def test_unanimous_interested_without_interested_raises_value_error():
    with pytest.raises(ValueError):
        tally(total_area=1000, total_persons=10, votes=[], matter=Matter.UNANIMOUS_INTERESTED)


def test_unanimous_interested_with_deemed_consent_raises_value_error():
    with pytest.raises(ValueError, match="silence"):
        tally(
            total_area=1000,
            total_persons=10,
            votes=[],
            matter=Matter.UNANIMOUS_INTERESTED,
            interested_persons={"A"},
            deemed_consent=DeemedConsent(),
        )


def test_interested_persons_on_ordinary_matter_raises_value_error():
    with pytest.raises(ValueError):
        tally(total_area=1000, total_persons=10, votes=[], matter=Matter.ORDINARY, interested_persons={"A"})


# -- deemed consent (R24) ------------------------------------------------------------------------------------


def test_deemed_consent_absent_by_default_no_json_key(garden):
    r = garden_tally(garden, agree="A DEV B C D E F G H")
    assert r.deemed_consent is None
    assert "deemed_consent" not in r.to_json()


def test_deemed_consent_plain_v2_adopted_beside_strict_failure(garden):
    r = garden_tally(garden, agree="A DEV B C D E F G H", deemed_consent=DeemedConsent(DeemedVariant.PLAIN))
    assert not r.adopted and r.reasons == ("QUORUM_COUNT",)  # the official result is unchanged
    d = r.deemed_consent
    assert d.majority == "agree"
    assert d.added == Count(60000, 6)
    assert d.participation == Count(200000, 15) and d.agree == Count(200000, 15)
    assert d.adopted and d.reasons == ()
    out = r.to_json()["deemed_consent"]
    assert out["official"] is False and "not the official result" in out["label"]
    assert out["added"] == {"area": "600.00", "persons": 6}


def test_deemed_consent_zhejiang_v3_actual_majority_area_missing_not_adopted(garden):
    # Y = 1000.00 of T 2000.00 is exactly half: not more than half of the totals.
    r = garden_tally(garden, agree="B C D E F G H I J K", deemed_consent=DeemedConsent(DeemedVariant.ZHEJIANG))
    assert r.deemed_consent.reasons == ("ACTUAL_MAJORITY_AREA",)
    assert not r.deemed_consent.adopted
    plain = garden_tally(garden, agree="B C D E F G H I J K", deemed_consent=DeemedConsent())
    assert plain.deemed_consent.adopted


def test_deemed_consent_zhejiang_v2_actual_majority_adopted(garden):
    r = garden_tally(garden, agree="A DEV B C D E F G H", deemed_consent=DeemedConsent(DeemedVariant.ZHEJIANG))
    assert r.deemed_consent.adopted


def test_deemed_consent_oppose_majority_non_voters_join_oppose(garden):
    r = garden_tally(garden, agree="C", oppose="A DEV B D E", deemed_consent=DeemedConsent())
    d = r.deemed_consent
    assert d.majority == "oppose"
    assert d.oppose == Count(190000, 14)  # 1000.00/5 cast + 900.00/9 silent
    assert d.quorum_met and not d.adopted
    assert d.reasons == ("THRESHOLD_AREA", "THRESHOLD_COUNT")


def test_deemed_consent_no_majority_adds_nothing(garden):
    # V4: agree holds the area majority but not the count majority: no side is a majority.
    r = garden_tally(garden, agree="DEV C D E F", oppose="A G H I J", deemed_consent=DeemedConsent())
    d = r.deemed_consent
    assert d.majority is None and d.added == Count(0, 0)
    assert d.reasons == ("NO_MAJORITY", "THRESHOLD_COUNT")


def test_deemed_consent_major_needs_three_quarters_after_addition(garden):
    # 6 of 10 voters agree (majority); adding 5 non-voters gives 11 of 15 < 3/4.
    r = garden_tally(garden, Matter.MAJOR, agree="C D E F G H", oppose="I J K L", deemed_consent=DeemedConsent())
    d = r.deemed_consent
    assert d.majority == "agree"
    assert d.agree.persons == 11
    assert "THRESHOLD_COUNT" in d.reasons and not d.adopted


def test_deemed_consent_invalid_ballot_is_not_silence(garden):
    r = garden_tally(
        garden,
        agree="A DEV B C D E F G",
        invalid="H",
        invalid_policy=InvalidPolicy.EXCLUDED,
        deemed_consent=DeemedConsent(),
    )
    d = r.deemed_consent
    assert d.added == Count(60000, 6)  # H's spoilt ballot is neither added nor counted
    assert d.participation == Count(190000, 14)


# -- vectors L2 and L3 (domain-rules §8) ----------------------------------------------------------------------

L2 = {"agree": "A DEV C D E H", "oppose": "F", "abstain": "G"}


@pytest.mark.parametrize("matter", [Matter.ORDINARY, Matter.MAJOR])
def test_l2_strict_quorum_fails_plain_deemed_consent_adopted(garden, matter):
    r = garden_tally(garden, matter, **L2, deemed_consent=DeemedConsent(DeemedVariant.PLAIN))
    assert (r.participation, r.agree) == (Count(130000, 8), Count(110000, 6))
    assert not r.adopted and r.reasons == ("QUORUM_AREA", "QUORUM_COUNT")
    d = r.deemed_consent
    assert (d.participation, d.agree, d.added) == (Count(200000, 15), Count(180000, 13), Count(70000, 7))
    assert d.adopted and d.reasons == ()


def test_l2_zhejiang_actual_majority_count_fails(garden):
    d = garden_tally(garden, **L2, deemed_consent=DeemedConsent(DeemedVariant.ZHEJIANG)).deemed_consent
    assert not d.adopted and d.reasons == ("ACTUAL_MAJORITY_COUNT",)  # 2*1100.00 > 2000.00, 2*6 > 15 fails


L3_INTERESTED = ["C", *"EFGHIJKLMN"]  # building 3 without the applicant D (302)


@pytest.mark.parametrize(
    ("ballots", "adopted"),
    [
        ({"agree": L3_INTERESTED}, True),
        ({"agree": [p for p in L3_INTERESTED if p != "G"], "oppose": ["G"]}, False),
        ({"agree": [p for p in L3_INTERESTED if p != "G"]}, False),
    ],
)
def test_l3_art_279_one_oppose_or_one_silent_not_adopted(garden, ballots, adopted):
    r = garden_tally(garden, Matter.UNANIMOUS_INTERESTED, **ballots, interested_persons=set(L3_INTERESTED))
    assert r.adopted is adopted
    assert r.reasons == (() if adopted else ("UNANIMITY",))
