"""The ``govern`` command (``govern db upgrade``, ``govern demo``, ``govern verify``, …).

It starts instantly where it can: ``govern``, ``govern --help``, ``govern tally`` and ``govern
verify`` (and their ``--help``) run on click alone, importing neither Flask nor SQLAlchemy nor
WeasyPrint and creating no application. Every other command belongs to the application (it needs
the configuration and the database): for those, and whenever the command line starts with a group
option (``--env-file``, ``--app``, ``--debug``, ``--version``), the whole command line goes to
Flask's ``FlaskGroup``, which creates the app then, exactly as before. The app's commands are
attached by :func:`govern.app_cli.register_commands` (``create_app`` calls it).

``govern --help`` lists the app's commands from :data:`APP_COMMANDS` without loading them;
``tests/test_cli_startup.py`` checks that table against the app's real commands.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from flask import Flask
    from flask.cli import FlaskGroup

HELP = "govern — participatory governance and verifiable e-voting for residential communities."

#: Commands that need no application: name -> (module, attribute).
STANDALONE_COMMANDS: dict[str, tuple[str, str]] = {
    "tally": ("govern.rules_cli", "tally"),
    "verify": ("govern.verify_cli", "verify"),
}

#: Every command and its help's first paragraph, which ``govern --help`` shortens as click does,
#: without importing any command (Flask's ``run``/``shell``/``routes``, Flask-Migrate's ``db`` and
#: Flask-Limiter's ``limiter`` included). tests/test_cli_startup.py checks it against the real commands.
COMMAND_HELP: dict[str, str] = {
    "audit": "The hash-chained audit log.",
    "create-admin": "Create a platform admin account (for a fresh production installation).",
    "create-community": "Create the community SLUG named NAME.",
    "db": "Perform database migrations.",
    "demo": "Load the demo community 示范花园 (refused when GOVERN_ENV=production).",
    "export-record": "Write the verifiable record of meeting MEETING_ID to OUT (check it with ``govern verify OUT``).",
    "import-register": "Import the unit register of COMMUNITY (its slug) from FILE.csv.",
    "limiter": "Flask-Limiter maintenance & utility commands",
    "routes": "Show the routes for the app.",
    "run": "Run a development server.",
    "shell": "Run a shell in the app context.",
    "tally": "Tally a motion (or with --election count an election) and print the result as JSON.",
    "tick": "Run periodic work once: results of meetings whose voting (and paper grace) ended, due reminders "
            "(outside quiet hours) and overdue service-request escalations.",
    "verify": "Check every hash, signature, key binding, eligibility, revision and proxy rule and recompute every "
              "result of the meeting record RECORD.",
    "worker": "Run an rq worker for govern's jobs (needs REDIS_URL).",
}

#: Arguments that ``govern`` itself answers without the application.
_LIGHT_FIRST = frozenset({"--help", *STANDALONE_COMMANDS})


def _create_app() -> Flask:
    from govern import create_app  # only when an app command runs: `govern --help` stays Flask-free

    return create_app()


def flask_group() -> FlaskGroup:
    """The application's command group: Flask's, with the app created on first need (what ``govern`` was)."""
    from flask.cli import FlaskGroup

    return FlaskGroup(name="govern", help=HELP, create_app=_create_app, add_default_commands=True)


class GovernGroup(click.Group):
    """Answers ``--help`` and the standalone commands itself; hands everything else to :func:`flask_group`."""

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        prog_name = prog_name or "govern"
        if argv and argv[0] not in _LIGHT_FIRST:
            return flask_group().main(argv, prog_name=prog_name, **extra)
        return super().main(argv, prog_name=prog_name, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_HELP)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in STANDALONE_COMMANDS:
            module, attr = STANDALONE_COMMANDS[name]
            return getattr(__import__(module, fromlist=[attr]), attr)
        if name in COMMAND_HELP:
            return _app_command(name, COMMAND_HELP[name])
        return None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from :data:`COMMAND_HELP`, so that ``--help`` imports no command."""
        limit = formatter.width - 6 - max(map(len, COMMAND_HELP))
        rows = [(name, click.Command(name, help=COMMAND_HELP[name]).get_short_help_str(limit))
                for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _app_command(name: str, short_help: str) -> click.Command:
    """A stand-in for an app command in ``govern --help``; invoked, it runs the real one through Flask."""

    @click.command(name, help=short_help, add_help_option=False,
                   context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
    @click.pass_context
    def forward(ctx: click.Context) -> None:
        flask_group().main([name, *ctx.args], prog_name=ctx.find_root().info_name or "govern")

    return forward


main = GovernGroup(
    name="govern",
    help=HELP,
    params=[
        click.Option(["-e", "--env-file"], metavar="FILE", expose_value=False,
                     help="Load environment variables from this file (python-dotenv)."),
        click.Option(["-A", "--app"], metavar="IMPORT", expose_value=False,
                     help="Another Flask application or factory to load, as 'module:name'."),
        click.Option(["--debug/--no-debug"], default=None, expose_value=False, help="Set debug mode."),
        click.Option(["--version"], is_flag=True, expose_value=False, help="Show the Flask version."),
    ],
)

