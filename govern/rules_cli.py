"""``govern tally``: tally a vote from a register CSV and a ballots CSV, with no database.

Prints the result as one JSON object on stdout and exits 0 whenever a result is computed
(adopted or not). Bad input exits 2 with one line per problem on stderr, ``FILE:LINE: what``.
This module imports click but not Flask, so it can be tested with ``CliRunner`` alone.
"""

from __future__ import annotations

import json

import click

from govern.core.persons import build_persons, collect_votes
from govern.core.register import LineError, decode_text, parse_ballots, parse_register
from govern.core.rules import InvalidPolicy, Matter
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


def _parse_buildings(value: str | None) -> list[str] | None:
    if value is None:
        return None
    names = [name.strip() for name in value.split(",")]
    if not any(names) or not all(names):
        message = "expected a comma-separated list of building ids, e.g. B1,B2"
        raise click.BadParameter(message, param_hint="--buildings")
    return names


@click.command("tally")
@click.option("--register", "register_path", required=True, metavar="REGISTER.csv", help="Unit register CSV.")
@click.option("--ballots", "ballots_path", required=True, metavar="BALLOTS.csv", help="Ballots CSV (unit,choice).")
@click.option(
    "--matter",
    type=click.Choice([Matter.ORDINARY.value, Matter.MAJOR.value]),
    default=Matter.ORDINARY.value,
    show_default=True,
    help="Matter class (Civil Code art. 278).",
)
@click.option(
    "--invalid-policy",
    type=click.Choice([p.value for p in InvalidPolicy]),
    default=InvalidPolicy.AS_ABSTAIN.value,
    show_default=True,
    help="Whether invalid ballots count as participation (R17).",
)
@click.option("--buildings", default=None, metavar="B1,B2,...", help="Restrict the scope to these buildings (R5).")
@click.pass_context
def tally(
    ctx: click.Context,
    register_path: str,
    ballots_path: str,
    matter: str,
    invalid_policy: str,
    buildings: str | None,
) -> None:
    """Tally a motion from REGISTER.csv and BALLOTS.csv and print the result as JSON."""
    scope = _parse_buildings(buildings)
    problems: list[str] = []
    register_text = _read(register_path, problems)
    ballots_text = _read(ballots_path, problems)

    units = []
    register_ok = register_text is not None
    if register_text is not None:
        units, errors = parse_register(register_text)
        problems.extend(_line(register_path, e) for e in errors)
        register_ok = not errors
    units_by_id = {u.unit: u for u in units}

    if scope is not None and register_ok:
        known = {u.building for u in units}
        for name in scope:
            if name not in known:
                problems.append(f"--buildings: building {name} is not in {register_path}")

    ballots = []
    if ballots_text is not None:
        # Unknown units are only meaningful against a clean register.
        ballots, errors = parse_ballots(ballots_text, units_by_id if register_ok else None)
        problems.extend(_line(ballots_path, e) for e in errors)

    if problems:
        _fail(ctx, problems)

    roll = build_persons(units, buildings=scope)
    if roll.total_persons == 0:
        _fail(ctx, [f"{register_path}: no unit counts for voting in the chosen scope"])
    votes, errors = collect_votes(roll, ballots, units_by_id)
    if errors:
        _fail(ctx, [_line(ballots_path, e) for e in errors])

    for flag in roll.flags:
        click.echo(f"warning: {flag.message}", err=True)
    result = tally_motion(
        total_area=roll.total_area,
        total_persons=roll.total_persons,
        votes=votes,
        matter=Matter(matter),
        invalid_policy=InvalidPolicy(invalid_policy),
    )
    click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))


def _fail(ctx: click.Context, problems: list[str]) -> None:
    for problem in problems:
        click.echo(problem, err=True)
    ctx.exit(2)
