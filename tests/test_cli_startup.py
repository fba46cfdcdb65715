"""The ``govern`` command starts instantly: ``--help``, ``tally`` and ``verify`` import no Flask, SQLAlchemy or
WeasyPrint and create no app (issue #17, item 3); every other command still reaches the app's command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

import govern.cli
from govern.cli import COMMAND_HELP, flask_group, main
from tests.core.recordfactory import standard_record

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "core" / "data"
HEAVY = ("flask", "sqlalchemy", "flask_sqlalchemy", "weasyprint", "werkzeug", "jinja2")

PROBE = f"""
import sys
from govern.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    status = exc.code
else:
    status = 0
loaded = [m for m in {HEAVY!r} if m in sys.modules]
print("LOADED=" + ",".join(loaded), file=sys.stderr)
sys.exit(status)
"""


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def _loaded(proc: subprocess.CompletedProcess) -> str:
    return proc.stderr.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def record_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("rec") / "meeting-345.zip"
    path.write_bytes(standard_record())
    return path


@pytest.mark.parametrize("args", [["--help"], [], ["verify", "--help"], ["tally", "--help"]])
def test_help_imports_no_flask_sqlalchemy_weasyprint(args):
    proc = _run(*args)
    assert proc.returncode == (2 if not args else 0), proc.stderr
    assert "Usage: govern" in proc.stdout + proc.stderr  # no arguments: the help on stderr, exit 2 (click)
    assert _loaded(proc) == "LOADED="


def test_help_lists_every_command_app_and_standalone():
    proc = _run("--help")
    listed = {line.split()[0] for line in proc.stdout.split("Commands:")[1].splitlines() if line.startswith("  ")
              and not line.startswith("    ")}
    assert listed == set(COMMAND_HELP)


def test_verify_record_imports_no_flask_and_exits_0(record_path):
    proc = _run("verify", str(record_path))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["valid"] is True
    assert _loaded(proc) == "LOADED="


def test_verify_not_a_record_exit_2_without_flask(tmp_path):
    bad = tmp_path / "x.zip"
    bad.write_bytes(b"not a zip")
    proc = _run("verify", str(bad))
    assert proc.returncode == 2
    assert "not a govern record" in proc.stderr
    assert _loaded(proc) == "LOADED="


def test_tally_imports_no_flask_and_prints_result():
    proc = _run("tally", "--register", str(DATA / "test_garden_register.csv"), "--ballots",
                str(DATA / "v1_ballots.csv"))
    assert proc.returncode == 0, proc.stderr
    assert "adopted" in json.loads(proc.stdout)
    assert _loaded(proc) == "LOADED="


def test_command_table_matches_the_real_commands(app):
    """COMMAND_HELP (what ``govern --help`` shows without loading anything) is exactly the app's command list,
    each with its own help."""
    group = flask_group()
    with click.Context(group, obj=ScriptInfo(create_app=lambda: app)) as ctx:
        real = {name: group.get_command(ctx, name).get_short_help_str(limit=1000) for name in group.list_commands(ctx)}
    assert real == COMMAND_HELP


def test_help_listing_same_as_flasks_apart_from_the_group_options(app, monkeypatch):
    monkeypatch.setattr(govern.cli, "_create_app", lambda: app)
    ours = CliRunner().invoke(main, ["--help"]).output
    flasks = CliRunner().invoke(flask_group(), ["--help"], prog_name="govern").output
    assert ours.split("Commands:")[1] == flasks.split("Commands:")[1]


def test_app_command_goes_to_the_app(app, monkeypatch):
    """``govern tick`` (or any app command) creates the app and runs the app's own command."""
    monkeypatch.setattr(govern.cli, "_create_app", lambda: app)
    result = CliRunner().invoke(main, ["tick"])
    assert result.exit_code == 0, result.output
    assert "reminders: 0" in result.output and "service_escalations: 0" in result.output


def test_app_command_help_is_the_real_one(app, monkeypatch):
    monkeypatch.setattr(govern.cli, "_create_app", lambda: app)
    result = CliRunner().invoke(main, ["demo", "--help"])
    assert result.exit_code == 0, result.output
    assert "--if-empty" in result.output


def test_unknown_command_exit_2(app, monkeypatch):
    monkeypatch.setattr(govern.cli, "_create_app", lambda: app)
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.output


def test_standalone_command_reached_directly():
    result = CliRunner().invoke(main, ["tally", "--register", str(DATA / "test_garden_register.csv"), "--ballots",
                                       str(DATA / "v1_ballots.csv")])
    assert result.exit_code == 0, result.output
    assert "adopted" in json.loads(result.stdout)
