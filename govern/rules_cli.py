"""``govern tally``: tally a vote from a register CSV and a ballots CSV, with no database.

Prints the result as one JSON object on stdout and exits 0 whenever a result is computed
(adopted or not). Bad input exits 2 with one line per problem on stderr, ``FILE:LINE: what``.
This module imports click but not Flask, so it can be tested with ``CliRunner`` alone.
"""

from __future__ import annotations

import json

import click

from govern.core.election import ElectionBallot, count_election, parse_candidates, parse_marks_ballots
from govern.core.persons import Roll, build_persons, collect_votes, resolve_ballots
from govern.core.register import LineError, UnitRecord, decode_text, parse_ballots, parse_register
from govern.core.rules import DeemedConsent, DeemedVariant, InvalidPolicy, Matter
from govern.core.rules import tally as tally_motion

__all__ = ["tally"]


def _read(path: str, problems: list[str]) -> str | None:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        problems.append(f"{path}: cannot read file: {exc.strerror or exc}")
        return None
    text, error = decode_text(data)
    if error is not None:
        problems.append(_line(path, error))
    return text


def _line(path: str, error: LineError) -> str:
    return f"{path}:{error.line}: {error.message}"


def _parse_ids(value: str | None, option: str, what: str) -> list[str] | None:
    if value is None:
        return None
    names = [name.strip() for name in value.split(",")]
    if not any(names) or not all(names):
        raise click.BadParameter(f"expected a comma-separated list of {what}", param_hint=option)
    return names


def _parse_buildings(value: str | None) -> list[str] | None:
    return _parse_ids(value, "--buildings", "building ids, e.g. B1,B2")


UNANIMOUS_SPELLINGS = ("unanimous-interested", Matter.UNANIMOUS_INTERESTED.value)
ELECTION_ONLY = (("candidates_path", "--candidates"), ("seats", "--seats"), ("max_marks", "--max-marks"))
MOTION_ONLY = (("matter", "--matter"), ("deemed_consent", "--deemed-consent"), ("interested", "--interested"))


@click.command("tally")
@click.option("--register", "register_path", required=True, metavar="REGISTER.csv", help="Unit register CSV.")
@click.option(
    "--ballots",
    "ballots_path",
    required=True,
    metavar="BALLOTS.csv",
    help="Ballots CSV: unit,choice; with --election unit,marks.",
)
@click.option(
    "--matter",
    type=click.Choice([Matter.ORDINARY.value, Matter.MAJOR.value, *UNANIMOUS_SPELLINGS]),
    default=None,
    help="Matter class (Civil Code arts. 278, 279).  [default: ordinary]",
)
@click.option(
    "--invalid-policy",
    type=click.Choice([p.value for p in InvalidPolicy]),
    default=InvalidPolicy.AS_ABSTAIN.value,
    show_default=True,
    help="Whether invalid ballots count as participation (R17).",
)
@click.option("--buildings", default=None, metavar="B1,B2,...", help="Restrict the scope to these buildings (R5).")
@click.option(
    "--deemed-consent",
    type=click.Choice([v.value for v in DeemedVariant]),
    default=None,
    help="Add the labelled deemed-consent result (R24) beside the official one.",
)
@click.option(
    "--interested",
    default=None,
    metavar="UNIT,UNIT,...",
    help="Art. 279: the units whose owners must all agree (with --matter unanimous-interested).",
)
@click.option("--election", is_flag=True, help="Count a committee election (R33-R35) instead of a motion.")
@click.option(
    "--candidates", "candidates_path", default=None, metavar="C.csv", help="Election: candidates CSV (id,name)."
)
@click.option("--seats", type=int, default=None, metavar="N", help="Election: seats to fill.")
@click.option(
    "--max-marks", type=int, default=None, metavar="M", help="Election: most marks per ballot [default: seats]."
)
@click.pass_context
def tally(
    ctx: click.Context,
    register_path: str,
    ballots_path: str,
    matter: str | None,
    invalid_policy: str,
    buildings: str | None,
    deemed_consent: str | None,
    interested: str | None,
    election: bool,
    candidates_path: str | None,
    seats: int | None,
    max_marks: int | None,
) -> None:
    """Tally a motion (or with --election count an election) and print the result as JSON."""
    scope = _parse_buildings(buildings)
    given = ctx.params
    if election:
        for name, flag in MOTION_ONLY:
            if given[name] is not None:
                raise click.UsageError(f"{flag} does not apply to --election (an election is an ordinary matter)")
        for name, flag in ELECTION_ONLY[:2]:
            if given[name] is None:
                raise click.UsageError(f"--election needs {flag}")
        assert candidates_path is not None and seats is not None
        _tally_election(ctx, register_path, ballots_path, candidates_path, seats, max_marks, invalid_policy, scope)
        return
    for name, flag in ELECTION_ONLY:
        if given[name] is not None:
            raise click.UsageError(f"{flag} only applies with --election")
    the_matter = Matter((matter or Matter.ORDINARY.value).replace("-", "_"))
    interested_units = _parse_ids(interested, "--interested", "unit ids, e.g. 301,303")
    if the_matter is Matter.UNANIMOUS_INTERESTED:
        if interested_units is None:
            raise click.UsageError("--matter unanimous-interested needs --interested UNIT,UNIT,... (art. 279)")
        if deemed_consent is not None:
            raise click.UsageError(
                "--deemed-consent does not apply to an art. 279 matter: silence is not consent (R25)"
            )
    elif interested_units is not None:
        raise click.UsageError("--interested only applies with --matter unanimous-interested")

    problems: list[str] = []
    units, units_by_id, register_ok = _read_register(register_path, scope, problems)
    ballots_text = _read(ballots_path, problems)
    ballots = []
    if ballots_text is not None:
        # Unknown units are only meaningful against a clean register.
        ballots, errors = parse_ballots(ballots_text, units_by_id if register_ok else None)
        problems.extend(_line(ballots_path, e) for e in errors)
    if problems:
        _fail(ctx, problems)

    roll = _roll(ctx, units, scope, register_path)
    votes, errors = collect_votes(roll, ballots, units_by_id)
    problems = [_line(ballots_path, e) for e in errors]
    interested_persons = None
    if interested_units is not None:
        interested_persons = _interested_persons(roll, units_by_id, interested_units, register_path, problems)
    if problems:
        _fail(ctx, problems)

    _warn(roll)
    result = tally_motion(
        total_area=roll.total_area,
        total_persons=roll.total_persons,
        votes=votes,
        matter=the_matter,
        invalid_policy=InvalidPolicy(invalid_policy),
        interested_persons=interested_persons,
        deemed_consent=None if deemed_consent is None else DeemedConsent(DeemedVariant(deemed_consent)),
    )
    click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))


def _tally_election(
    ctx: click.Context,
    register_path: str,
    ballots_path: str,
    candidates_path: str,
    seats: int,
    max_marks: int | None,
    invalid_policy: str,
    scope: list[str] | None,
) -> None:
    """``govern tally --election``: count an election (R33-R35) from the register, candidates and marks."""
    problems: list[str] = []
    units, units_by_id, register_ok = _read_register(register_path, scope, problems)
    candidates_text = _read(candidates_path, problems)
    ballots_text = _read(ballots_path, problems)

    candidates = None
    if candidates_text is not None:
        candidates, errors = parse_candidates(candidates_text)
        problems.extend(_line(candidates_path, e) for e in errors)
        if errors:
            candidates = None
    if seats < 1:
        problems.append(f"--seats: must be at least 1, not {seats}")
    elif candidates is not None and seats > len(candidates):
        problems.append(f"--seats: {seats} is more than the {len(candidates)} candidates in {candidates_path}")
    marks = seats if max_marks is None else max_marks
    if max_marks is not None and not 1 <= max_marks <= max(seats, 1):
        problems.append(f"--max-marks: must be between 1 and the seats ({seats}), not {max_marks}")

    ballots = []
    if ballots_text is not None:
        ballots, errors = parse_marks_ballots(ballots_text, units_by_id if register_ok else None, candidates)
        problems.extend(_line(ballots_path, e) for e in errors)
    if problems:
        _fail(ctx, problems)
    assert candidates is not None

    roll = _roll(ctx, units, scope, register_path)
    first, errors = resolve_ballots(roll, ballots, units_by_id)
    if errors:
        _fail(ctx, [_line(ballots_path, e) for e in errors])

    _warn(roll)
    result = count_election(
        total_area=roll.total_area,
        total_persons=roll.total_persons,
        candidates=candidates,
        ballots=[ElectionBallot(pid, roll.person(pid).area, b.marks) for pid, b in first.items()],
        seats=seats,
        max_marks=marks,
        invalid_policy=InvalidPolicy(invalid_policy),
    )
    click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))


def _read_register(
    register_path: str, scope: list[str] | None, problems: list[str]
) -> tuple[list[UnitRecord], dict[str, UnitRecord], bool]:
    """Read and parse the register; report bad lines and unknown ``--buildings``. Returns (units, by id, clean)."""
    register_text = _read(register_path, problems)
    units: list[UnitRecord] = []
    register_ok = register_text is not None
    if register_text is not None:
        units, errors = parse_register(register_text)
        problems.extend(_line(register_path, e) for e in errors)
        register_ok = not errors
    if scope is not None and register_ok:
        known = {u.building for u in units}
        for name in scope:
            if name not in known:
                problems.append(f"--buildings: building {name} is not in {register_path}")
    return units, {u.unit: u for u in units}, register_ok


def _roll(ctx: click.Context, units: list[UnitRecord], scope: list[str] | None, register_path: str) -> Roll:
    roll = build_persons(units, buildings=scope)
    if roll.total_persons == 0:
        _fail(ctx, [f"{register_path}: no unit counts for voting in the chosen scope"])
    return roll


def _interested_persons(
    roll: Roll, units_by_id: dict[str, UnitRecord], units: list[str], register_path: str, problems: list[str]
) -> set[str]:
    """Art. 279: the persons owning the ``--interested`` units within the scope, reporting every bad unit."""
    persons: set[str] = set()
    for unit_id in units:
        unit = units_by_id.get(unit_id)
        person = roll.person_of_unit(unit_id)
        if unit is None:
            problems.append(f"--interested: unit {unit_id} is not in {register_path}")
        elif person is None and not unit.counts:
            problems.append(f"--interested: unit {unit_id} does not count for voting")
        elif person is None:
            problems.append(
                f"--interested: unit {unit_id} (building {unit.building}) is outside the scope of this vote"
            )
        else:
            persons.add(person.id)
    return persons


def _warn(roll: Roll) -> None:
    for flag in roll.flags:
        click.echo(f"warning: {flag.message}", err=True)


def _fail(ctx: click.Context, problems: list[str]) -> None:
    for problem in problems:
        click.echo(problem, err=True)
    ctx.exit(2)
