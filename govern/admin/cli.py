"""``govern create-community`` and ``govern create-admin``: bootstrapping a fresh installation."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from govern import jobs
from govern.accounts.models import Role
from govern.accounts.services import create_user, grant_role
from govern.admin.services import create_community
from govern.errors import DomainError


@click.command("create-community")
@click.argument("slug")
@click.argument("name")
@click.option("--district", default="", help="Street office or district.")
@click.option("--address", default="")
@with_appcontext
def create_community_command(slug: str, name: str, district: str, address: str) -> None:
    """Create the community SLUG named NAME."""
    try:
        community = create_community(slug, name, district=district, address=address, actor=None)
    except DomainError as err:
        click.echo(f"error: {err.message}", err=True)
        sys.exit(2)
    jobs.commit()
    click.echo(f"created community {community.slug} ({community.name})")


@click.command("create-admin")
@click.argument("username")
@click.password_option(prompt="Password for the new admin")
@with_appcontext
def create_admin_command(username: str, password: str) -> None:
    """Create a platform admin account (for a fresh production installation)."""
    try:
        user = create_user(username, password, display_name=username)
        grant_role(user, Role.ADMIN, None, actor=None)
    except DomainError as err:
        click.echo(f"error: {err.message}", err=True)
        sys.exit(2)
    jobs.commit()
    click.echo(f"created admin {user.username}")
