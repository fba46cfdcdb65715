"""Property-based tests of the tally, persons and area formats (hypothesis)."""

from __future__ import annotations

import csv
import io
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from govern.core.persons import build_persons
from govern.core.register import UnitRecord, UnitStatus, format_area, parse_area, parse_register
from govern.core.rules import Choice, DeemedConsent, DeemedVariant, InvalidPolicy, Matter, Vote, tally

CHOICES = [Choice.AGREE, Choice.OPPOSE, Choice.ABSTAIN, Choice.INVALID, None]  # None: did not vote
THRESHOLD = {"THRESHOLD_AREA", "THRESHOLD_COUNT"}

# A community: each person has an area (hundredths of a m²) and a choice, or None for silence.
community = st.lists(
    st.tuples(st.integers(min_value=1, max_value=10**7), st.sampled_from(CHOICES)), min_size=1, max_size=40
)
matters = st.sampled_from([Matter.ORDINARY, Matter.MAJOR])
policies = st.sampled_from(list(InvalidPolicy))


def run(people, matter, policy, scale=1, order=None, **kw):
    votes = [Vote(f"p{i}", area * scale, choice) for i, (area, choice) in enumerate(people) if choice is not None]
    if order is not None:
        votes = [votes[i] for i in order]
    return tally(
        total_area=sum(a for a, _ in people) * scale,
        total_persons=len(people),
        votes=votes,
        matter=matter,
        invalid_policy=policy,
        **kw,
    )


def outcome(result):
    return result.adopted, result.reasons


@given(community, matters, policies, st.randoms(use_true_random=False))
def test_tally_ballot_order_never_changes_outcome(people, matter, policy, rnd):
    n = sum(1 for _, c in people if c is not None)
    order = list(range(n))
    rnd.shuffle(order)
    assert run(people, matter, policy, order=order) == run(people, matter, policy)


@given(community, matters, policies, st.integers(min_value=2, max_value=10**6))
def test_tally_scaling_every_area_never_changes_outcome(people, matter, policy, k):
    assert outcome(run(people, matter, policy, scale=k)) == outcome(run(people, matter, policy))


@given(community, matters, policies, st.data())
def test_tally_oppose_turned_agree_never_unadopts(people, matter, policy, data):
    opposers = [i for i, (_, c) in enumerate(people) if c is Choice.OPPOSE]
    if not opposers:
        return
    i = data.draw(st.sampled_from(opposers))
    before = run(people, matter, policy)
    changed = list(people)
    changed[i] = (people[i][0], Choice.AGREE)
    after = run(changed, matter, policy)
    assert not (before.adopted and not after.adopted)
    assert set(after.reasons) <= set(before.reasons)


@given(community, matters, policies, st.data())
def test_tally_added_abstention_never_rescues_threshold_failure(people, matter, policy, data):
    silent = [i for i, (_, c) in enumerate(people) if c is None]
    if not silent:
        return
    i = data.draw(st.sampled_from(silent))
    before = run(people, matter, policy)
    changed = list(people)
    changed[i] = (people[i][0], Choice.ABSTAIN)
    after = run(changed, matter, policy)
    if THRESHOLD & set(before.reasons):
        assert not after.adopted
        assert THRESHOLD & set(after.reasons)


@given(community, matters, policies)
def test_tally_participation_within_totals_and_counts_add_up(people, matter, policy):
    r = run(people, matter, policy)
    assert 0 <= r.participation.area <= r.totals.area
    assert 0 <= r.participation.persons <= r.totals.persons
    assert r.agree.persons <= r.participation.persons
    parts = [r.agree, r.oppose, r.abstain] + ([r.invalid] if policy is InvalidPolicy.AS_ABSTAIN else [])
    assert sum(p.area for p in parts) == r.participation.area
    assert sum(p.persons for p in parts) == r.participation.persons


@given(community, matters, policies)
def test_tally_matches_fraction_oracle(people, matter, policy):
    """An independent statement of R18–R21 with Fraction ratios gives the same legs."""
    r = run(people, matter, policy)
    t_area, t_count = sum(a for a, _ in people), len(people)
    counted = {Choice.AGREE, Choice.OPPOSE, Choice.ABSTAIN} | ({Choice.INVALID} if policy == "as-abstain" else set())
    p = [(a, c) for a, c in people if c in counted]
    p_area, p_count = sum(a for a, _ in p), len(p)
    y_area = sum(a for a, c in p if c is Choice.AGREE)
    y_count = sum(1 for _, c in p if c is Choice.AGREE)
    legs = [Fraction(p_area, t_area) >= Fraction(2, 3), Fraction(p_count, t_count) >= Fraction(2, 3)]
    if p_count == 0:  # ratios of an empty participation: compare the cross-multiplied form directly
        legs += [False, False] if matter is Matter.ORDINARY else [True, True]
    elif matter is Matter.ORDINARY:
        legs += [Fraction(y_area, p_area) > Fraction(1, 2), Fraction(y_count, p_count) > Fraction(1, 2)]
    else:
        legs += [Fraction(y_area, p_area) >= Fraction(3, 4), Fraction(y_count, p_count) >= Fraction(3, 4)]
    names = ["QUORUM_AREA", "QUORUM_COUNT", "THRESHOLD_AREA", "THRESHOLD_COUNT"]
    assert r.reasons == tuple(n for n, ok in zip(names, legs, strict=True) if not ok)
    assert r.adopted is all(legs)


@given(community, policies)
def test_tally_major_adopted_implies_ordinary_adopted(people, policy):
    if run(people, Matter.MAJOR, policy).adopted:
        assert run(people, Matter.ORDINARY, policy).adopted


@given(community, matters)
def test_tally_invalid_policy_irrelevant_without_invalid_ballots(people, matter):
    people = [(a, Choice.ABSTAIN if c is Choice.INVALID else c) for a, c in people]
    assert outcome(run(people, matter, InvalidPolicy.EXCLUDED)) == outcome(
        run(people, matter, InvalidPolicy.AS_ABSTAIN)
    )


@given(community, matters, policies, st.sampled_from(list(DeemedVariant)))
def test_tally_deemed_consent_never_changes_official_result(people, matter, policy, variant):
    strict = run(people, matter, policy)
    both = run(people, matter, policy, deemed_consent=DeemedConsent(variant))
    assert both.deemed_consent is not None
    assert both.to_json() | {"deemed_consent": None} == strict.to_json() | {"deemed_consent": None}
    d = both.deemed_consent
    assert d.participation.persons <= strict.totals.persons
    if strict.adopted and matter is Matter.ORDINARY:
        assert d.adopted or variant is DeemedVariant.ZHEJIANG


@given(st.integers(min_value=1, max_value=10**12))
def test_area_format_parse_round_trip_exact(h):
    assert parse_area(format_area(h)) == h


units_strategy = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=10**6),
        st.sampled_from(list(UnitStatus)),
        st.frozensets(st.sampled_from(["A", "B", "C", "D"]), min_size=1, max_size=3),
        st.sampled_from(["1", "2", "3"]),
        st.booleans(),
    ),
    min_size=1,
    max_size=30,
)


def make_units(spec):
    return [
        UnitRecord(unit=f"u{i}", building=b, area=a, status=s, owners=tuple(sorted(o)), counts=c)
        for i, (a, s, o, b, c) in enumerate(spec)
    ]


@given(units_strategy, st.randoms(use_true_random=False), st.one_of(st.none(), st.sets(st.sampled_from("123"))))
def test_build_persons_partition_totals_and_order_independence(spec, rnd, scope):
    units = make_units(spec)
    roll = build_persons(units, buildings=scope)
    in_scope = [u for u in units if u.counts and (scope is None or u.building in scope)]
    assert roll.total_area == sum(u.area for u in in_scope) == sum(p.area for p in roll.persons)
    assert sorted(x for p in roll.persons for x in p.units) == sorted(u.unit for u in in_scope)
    assert roll.total_persons == len({"DEVELOPER" if u.status.is_developer_held else u.owners for u in in_scope})
    shuffled = list(units)
    rnd.shuffle(shuffled)
    assert build_persons(shuffled, buildings=scope) == roll


@settings(max_examples=50)
@given(units_strategy)
def test_parse_register_round_trip_of_written_csv(spec):
    units = make_units(spec)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["unit", "building", "area", "status", "owners", "counts"])
    for u in units:
        writer.writerow(
            [u.unit, u.building, format_area(u.area), u.status, ";".join(u.owners), "yes" if u.counts else "no"]
        )
    parsed, errors = parse_register(buf.getvalue())
    assert errors == []
    assert parsed == units
