"""The tally of an owners' assembly vote (R17–R25), in integers only.

Every rule is one function, and every comparison cross-multiplies integers: areas are
integer hundredths of a square metre and headcounts are integers, so no percentage is
ever rounded (Civil Code art. 1259: 以上 includes the number, 过半数 excludes half).

=================  ===========================================  =========================
rule               inequality (both legs must hold)             function
=================  ===========================================  =========================
R18 quorum         ``3*P_area >= 2*T_area``, ``3*P_count >= 2*T_count``  :func:`quorum_legs`
R19 ordinary       ``2*Y_area > P_area``, ``2*Y_count > P_count``        :func:`ordinary_legs`
R20 major          ``4*Y_area >= 3*P_area``, ``4*Y_count >= 3*P_count``  :func:`major_legs`
R25 art. 279       every interested person agrees                         :func:`unanimity_holds`
R24 deemed         see :func:`deemed_consent`
=================  ===========================================  =========================
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from govern.core.register import format_area

__all__ = [
    "Choice",
    "Count",
    "DeemedConsent",
    "DeemedConsentResult",
    "DeemedVariant",
    "InvalidPolicy",
    "Legs",
    "Matter",
    "Reason",
    "TallyResult",
    "Vote",
    "check_voter",
    "deemed_consent",
    "failing_legs",
    "major_legs",
    "ordinary_legs",
    "quorum_legs",
    "tally",
    "threshold_legs",
    "unanimity_holds",
]


class Matter(StrEnum):
    """Matter classes of Civil Code arts. 278 and 279."""

    #: Art. 278(1)–(5), (9): ordinary matters, more than half of the participants.
    ORDINARY = "ordinary"
    #: Art. 278(6)–(8): raising the fund, rebuilding, changing the use of common parts: three quarters.
    MAJOR = "major"
    #: Art. 279: turning a home into business premises, every interested owner must agree.
    UNANIMOUS_INTERESTED = "unanimous_interested"


class Choice(StrEnum):
    """A person's choice on one motion (R13); ``invalid`` records a spoilt paper ballot (R17)."""

    AGREE = "agree"
    OPPOSE = "oppose"
    ABSTAIN = "abstain"
    INVALID = "invalid"


class InvalidPolicy(StrEnum):
    """How invalid ballots count (R17), fixed before voting opens and printed with the result."""

    AS_ABSTAIN = "as-abstain"
    EXCLUDED = "excluded"


class Reason(StrEnum):
    """Reason codes for a motion that is not adopted, listed in this order."""

    QUORUM_AREA = "QUORUM_AREA"
    QUORUM_COUNT = "QUORUM_COUNT"
    THRESHOLD_AREA = "THRESHOLD_AREA"
    THRESHOLD_COUNT = "THRESHOLD_COUNT"
    #: Art. 279: some interested person did not agree (silence, abstention or opposition).
    UNANIMITY = "UNANIMITY"
    #: R24 only: those who voted had no majority (in area and in count) to which non-voters could be added.
    NO_MAJORITY = "NO_MAJORITY"
    #: R24 Zhejiang variant only: the actual agreeing area is not more than half of T_area.
    ACTUAL_MAJORITY_AREA = "ACTUAL_MAJORITY_AREA"
    #: R24 Zhejiang variant only: the actual agreeing persons are not more than half of T_count.
    ACTUAL_MAJORITY_COUNT = "ACTUAL_MAJORITY_COUNT"


class DeemedVariant(StrEnum):
    """R24 variants of deemed consent (随多数)."""

    #: 业主大会和业主委员会指导规则 art. 26: non-voters' weight goes to the majority of those who voted.
    PLAIN = "plain"
    #: 浙江省物业管理条例 (2009): as plain, and the actual agreeing majority must exceed half of the totals.
    ZHEJIANG = "zhejiang"


@dataclass(frozen=True)
class DeemedConsent:
    """A community's deemed-consent clause (R24). Its result is computed beside the strict one."""

    variant: DeemedVariant = DeemedVariant.PLAIN


@dataclass(frozen=True, slots=True)
class Vote:
    """One person's vote: ``area`` is the person's summed area in hundredths of a m²."""

    person_id: str
    area: int
    choice: Choice


class Count(NamedTuple):
    """An area (hundredths of a m²) and a number of persons."""

    area: int
    persons: int

    def to_json(self) -> dict[str, Any]:
        """``{"area": "1500.00", "persons": 10}``."""
        return {"area": format_area(self.area), "persons": self.persons}


class Legs(NamedTuple):
    """The two legs of a double-majority rule: by area and by headcount."""

    area: bool
    count: bool

    @property
    def holds(self) -> bool:
        """Both legs hold."""
        return self.area and self.count


@dataclass(frozen=True)
class DeemedConsentResult:
    """The deemed-consent result (R24). NOT the official result: it is reported beside it."""

    variant: DeemedVariant
    #: ``"agree"``, ``"oppose"`` or ``None`` when those who voted had no majority.
    majority: str | None
    #: Weight of the persons who cast no ballot at all, added to the majority side.
    added: Count
    participation: Count
    quorum_met: bool
    agree: Count
    oppose: Count
    adopted: bool
    reasons: tuple[str, ...]
    label: str = "deemed consent (随多数) — informative, not the official result"

    def to_json(self) -> dict[str, Any]:
        """The JSON form used under the ``"deemed_consent"`` key."""
        return {
            "label": self.label,
            "official": False,
            "variant": str(self.variant),
            "majority": self.majority,
            "added": self.added.to_json(),
            "participation": {**self.participation.to_json(), "quorum_met": self.quorum_met},
            "agree": self.agree.to_json(),
            "oppose": self.oppose.to_json(),
            "adopted": self.adopted,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class TallyResult:
    """The official (strict) result of one motion, plus the optional deemed-consent result."""

    matter: Matter
    invalid_policy: InvalidPolicy
    totals: Count
    participation: Count
    quorum_met: bool
    agree: Count
    oppose: Count
    abstain: Count
    invalid: Count
    adopted: bool
    reasons: tuple[str, ...]
    deemed_consent: DeemedConsentResult | None = None
    #: Art. 279 only: (interested persons, of whom agreed).
    interested: tuple[int, int] | None = None

    def to_json(self) -> dict[str, Any]:
        """The published result (R26) as a JSON-ready dict; areas are strings with two decimals."""
        out: dict[str, Any] = {
            "matter": str(self.matter),
            "invalid_policy": str(self.invalid_policy),
            "totals": self.totals.to_json(),
            "participation": {**self.participation.to_json(), "quorum_met": self.quorum_met},
            "agree": self.agree.to_json(),
            "oppose": self.oppose.to_json(),
            "abstain": self.abstain.to_json(),
            "invalid": self.invalid.to_json(),
            "adopted": self.adopted,
            "reasons": list(self.reasons),
        }
        if self.interested is not None:
            out["interested"] = {"persons": self.interested[0], "agree": self.interested[1]}
        if self.deemed_consent is not None:
            out["deemed_consent"] = self.deemed_consent.to_json()
        return out


def quorum_legs(participation: Count, totals: Count) -> Legs:
    """R18 quorum: ``3*P_area >= 2*T_area`` and ``3*P_count >= 2*T_count``.

    Civil Code art. 278 para. 2: 应当由专有部分面积占比三分之二以上的业主且人数占比三分之二以上的
    业主参与表决; 以上 includes the number (art. 1259), so exactly two thirds suffices.
    """
    return Legs(3 * participation.area >= 2 * totals.area, 3 * participation.persons >= 2 * totals.persons)


def ordinary_legs(agree: Count, participation: Count) -> Legs:
    """R19 ordinary matters: ``2*Y_area > P_area`` and ``2*Y_count > P_count``.

    Civil Code art. 278 para. 2: 应当经参与表决专有部分面积过半数的业主且参与表决人数过半数的业主
    同意; 过半数 is strictly more than half, so exactly half fails (art. 1259).
    """
    return Legs(2 * agree.area > participation.area, 2 * agree.persons > participation.persons)


def major_legs(agree: Count, participation: Count) -> Legs:
    """R20 major matters (art. 278(6)–(8)): ``4*Y_area >= 3*P_area`` and ``4*Y_count >= 3*P_count``.

    Civil Code art. 278 para. 2: 应当经参与表决专有部分面积四分之三以上的业主且参与表决人数
    四分之三以上的业主同意; 以上 includes the number (art. 1259).
    """
    return Legs(4 * agree.area >= 3 * participation.area, 4 * agree.persons >= 3 * participation.persons)


def threshold_legs(matter: Matter, agree: Count, participation: Count) -> Legs:
    """The threshold of ``matter`` (R19 or R20; Civil Code art. 278). Not defined for art. 279."""
    if matter is Matter.ORDINARY:
        return ordinary_legs(agree, participation)
    if matter is Matter.MAJOR:
        return major_legs(agree, participation)
    raise ValueError(f"no area/count threshold for matter {matter}")


def unanimity_holds(agreeing: Collection[str], interested: Collection[str]) -> bool:
    """R25, Civil Code art. 279: adopted only if **every** interested person agreed.

    业主将住宅改变为经营性用房的…应当经有利害关系的业主一致同意. Silence, abstention,
    an invalid ballot and opposition are all not consent.
    """
    agreed = set(agreeing)
    return all(person in agreed for person in interested)


def failing_legs(quorum: Legs, threshold: Legs) -> tuple[str, ...]:
    """R21: every failing leg as a reason code, in the order QUORUM_AREA, QUORUM_COUNT,
    THRESHOLD_AREA, THRESHOLD_COUNT.
    """
    out = []
    if not quorum.area:
        out.append(Reason.QUORUM_AREA.value)
    if not quorum.count:
        out.append(Reason.QUORUM_COUNT.value)
    if not threshold.area:
        out.append(Reason.THRESHOLD_AREA.value)
    if not threshold.count:
        out.append(Reason.THRESHOLD_COUNT.value)
    return tuple(out)


def deemed_consent(
    *,
    clause: DeemedConsent,
    matter: Matter,
    totals: Count,
    participation: Count,
    agree: Count,
    oppose: Count,
    cast: Count,
) -> DeemedConsentResult:
    """R24 deemed consent (随多数), computed beside the strict result and never instead of it.

    Reading (业主大会和业主委员会指导规则 art. 26: 未参与表决的业主，其投票权数是否可以计入已表决
    的多数票，由管理规约或者业主大会议事规则规定):

    1. Non-voters are the persons who cast no ballot at all: ``N = T - cast`` where ``cast``
       includes invalid ballots under either policy (a spoilt ballot is not silence).
    2. "The majority of those who voted" is the side holding more than half of ``P`` in
       **both** area and count, exactly as R19 measures a majority: agree if
       ``2*Y_area > P_area`` and ``2*Y_count > P_count``, oppose likewise; abstentions are
       part of ``P``. Otherwise there is no majority, nothing is added (``NO_MAJORITY``).
    3. ``N`` is added to that side and to ``P``; then the quorum (R18) and the matter's
       threshold (R19/R20) are applied to the augmented figures as usual.
    4. Zhejiang variant (浙江省物业管理条例 2009): in addition, the actual agreeing persons must
       exceed half of the totals: ``2*Y_area > T_area`` (``ACTUAL_MAJORITY_AREA``) and
       ``2*Y_count > T_count`` (``ACTUAL_MAJORITY_COUNT``), counted before any addition.

    Reasons are listed in the order NO_MAJORITY, QUORUM_*, THRESHOLD_*, ACTUAL_MAJORITY_*.
    """
    added = Count(totals.area - cast.area, totals.persons - cast.persons)
    majority: str | None = None
    if participation.persons and ordinary_legs(agree, participation).holds:
        majority = Choice.AGREE.value
    elif participation.persons and ordinary_legs(oppose, participation).holds:
        majority = Choice.OPPOSE.value
    new_agree, new_oppose, new_part = agree, oppose, participation
    if majority is None:
        added = Count(0, 0)
    else:
        new_part = Count(participation.area + added.area, participation.persons + added.persons)
        if majority == Choice.AGREE:
            new_agree = Count(agree.area + added.area, agree.persons + added.persons)
        else:
            new_oppose = Count(oppose.area + added.area, oppose.persons + added.persons)
    quorum = quorum_legs(new_part, totals)
    threshold = threshold_legs(matter, new_agree, new_part)
    reasons = list(failing_legs(quorum, threshold))
    if majority is None:
        reasons.insert(0, Reason.NO_MAJORITY.value)
    if clause.variant is DeemedVariant.ZHEJIANG:
        actual = ordinary_legs(agree, totals)
        if not actual.area:
            reasons.append(Reason.ACTUAL_MAJORITY_AREA.value)
        if not actual.count:
            reasons.append(Reason.ACTUAL_MAJORITY_COUNT.value)
    return DeemedConsentResult(
        variant=clause.variant,
        majority=majority,
        added=added,
        participation=new_part,
        quorum_met=quorum.holds,
        agree=new_agree,
        oppose=new_oppose,
        adopted=not reasons,
        reasons=tuple(reasons),
    )


def check_voter(seen: set[str], person_id: str, area: object) -> None:
    """One ballot per person (R13) with a positive integer area (hundredths of a m²); adds ``person_id`` to ``seen``.

    Raises ``ValueError`` for a person seen before or a bad area. Shared by :func:`tally` and the
    election count.
    """
    if person_id in seen:
        raise ValueError(f"person {person_id} voted twice")
    seen.add(person_id)
    if type(area) is not int or area <= 0:
        raise ValueError(f"person {person_id}: area must be a positive integer number of hundredths of a m²")


_deemed_consent = deemed_consent  # the tally() keyword of the same name shadows the function


def tally(
    *,
    total_area: int,
    total_persons: int,
    votes: Iterable[Vote],
    matter: Matter,
    invalid_policy: InvalidPolicy = InvalidPolicy.AS_ABSTAIN,
    interested_persons: Collection[str] | None = None,
    deemed_consent: DeemedConsent | None = None,
) -> TallyResult:
    """Tally one motion (Civil Code arts. 278, 279; R17–R25) in a single pass over ``votes``.

    ``total_area``/``total_persons`` are the scope's ``T_area``/``T_count`` (R5). Each vote is
    one person (R13); a repeated ``person_id`` raises ``ValueError``, as does a non-positive
    area or participation exceeding the totals. Abstentions count in ``P`` not ``Y`` (R22);
    invalid ballots count in ``P`` under ``as-abstain`` and not under ``excluded`` (R17).
    Adopted iff the quorum (R18) and the class threshold (R19/R20) hold; otherwise every
    failing leg is a reason, in the order QUORUM_AREA, QUORUM_COUNT, THRESHOLD_AREA,
    THRESHOLD_COUNT (R21).

    ``UNANIMOUS_INTERESTED`` (art. 279, R25): ``interested_persons`` (required, non-empty) are
    the persons whose consent is needed; adopted iff each of them cast ``agree``, else the
    single reason ``UNANIMITY``. No quorum or threshold applies (unanimity of the interested
    persons is the whole rule); participation is still reported. Deemed consent is refused
    for it: silence is not consent.

    ``deemed_consent`` adds a clearly labelled second result (R24, :func:`deemed_consent`).
    """
    matter = Matter(matter)
    invalid_policy = InvalidPolicy(invalid_policy)
    if total_area <= 0 or total_persons <= 0:
        raise ValueError("the scope must have a positive total area and at least one person")
    if matter is Matter.UNANIMOUS_INTERESTED:
        if not interested_persons:
            raise ValueError("an art. 279 matter needs the non-empty set of interested persons")
        if deemed_consent is not None:
            raise ValueError("deemed consent does not apply to an art. 279 matter: silence is not consent")
    elif interested_persons is not None:
        raise ValueError("interested_persons only applies to the unanimous_interested matter")

    # Single pass, integer sums; index 0..3 follow Choice order.
    areas = [0, 0, 0, 0]
    heads = [0, 0, 0, 0]
    index = {Choice.AGREE: 0, Choice.OPPOSE: 1, Choice.ABSTAIN: 2, Choice.INVALID: 3}
    seen: set[str] = set()
    agreeing: list[str] = []
    for vote in votes:
        pid = vote.person_id
        area = vote.area
        check_voter(seen, pid, area)
        i = index.get(vote.choice)
        if i is None:
            i = index[Choice(vote.choice)]
        areas[i] += area
        heads[i] += 1
        if i == 0:
            agreeing.append(pid)

    agree = Count(areas[0], heads[0])
    oppose = Count(areas[1], heads[1])
    abstain = Count(areas[2], heads[2])
    invalid = Count(areas[3], heads[3])
    cast = Count(sum(areas), sum(heads))
    if cast.area > total_area or cast.persons > total_persons:
        raise ValueError("ballots exceed the totals of the scope")
    if invalid_policy is InvalidPolicy.AS_ABSTAIN:
        participation = cast
    else:
        participation = Count(cast.area - invalid.area, cast.persons - invalid.persons)
    totals = Count(total_area, total_persons)
    quorum = quorum_legs(participation, totals)

    interested: tuple[int, int] | None = None
    deemed: DeemedConsentResult | None = None
    if matter is Matter.UNANIMOUS_INTERESTED:
        assert interested_persons is not None
        wanted = set(interested_persons)
        interested = (len(wanted), len(wanted.intersection(agreeing)))
        reasons: tuple[str, ...] = () if unanimity_holds(agreeing, wanted) else (Reason.UNANIMITY.value,)
    else:
        reasons = failing_legs(quorum, threshold_legs(matter, agree, participation))
        if deemed_consent is not None:
            deemed = _deemed_consent(
                clause=deemed_consent,
                matter=matter,
                totals=totals,
                participation=participation,
                agree=agree,
                oppose=oppose,
                cast=cast,
            )
    return TallyResult(
        matter=matter,
        invalid_policy=invalid_policy,
        totals=totals,
        participation=participation,
        quorum_met=quorum.holds,
        agree=agree,
        oppose=oppose,
        abstain=abstain,
        invalid=invalid,
        adopted=not reasons,
        reasons=reasons,
        deemed_consent=deemed,
        interested=interested,
    )
