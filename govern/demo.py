"""``govern demo``: the demo community 示范花园 with its register, committee and accounts.

Deterministic (seeded), loaded through the real register import, refused in production.
Later features add their demo content with ``@demo_step``; steps run in order after the
register and accounts exist.
"""

from __future__ import annotations

import csv
import io
import random
import sys
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from govern import jobs
from govern.accounts import committee
from govern.accounts.auth import hash_password
from govern.accounts.models import Role, RoleGrant, User
from govern.audit.services import log_action
from govern.ballots.models import Meeting
from govern.clock import now
from govern.extensions import db
from govern.formats import LOCAL_TZ, format_area, local_day
from govern.register.models import Community, Owner
from govern.register.services import import_register

DEMO_SLUG = "shifan"
DEMO_NAME = "示范花园"
DEMO_PASSWORD = "govern-demo"
STAFF_ACCOUNTS = (
    # username, display name, role, owner ref (committee members are owners too)
    ("admin", "平台管理员", "admin", None),
    ("chair", "王建国", "committee_chair", "O0003"),
    ("committee1", "李秀英", "committee_member", "O0010"),
    ("committee2", "张伟", "committee_member", "O0021"),
    ("committee3", "刘芳", "committee_member", "O0034"),
    ("committee4", "陈明", "committee_member", "O0047"),
    ("property1", "物业客服小陈", "property_staff", None),
    ("auditor1", "街道办审计员", "auditor", None),
)
#: How many ordinary owners get demo accounts (owner001 …).
OWNER_ACCOUNTS = 40

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国建华志强海燕雪梅晓东春梅国强丹文"

_STEPS: list[tuple[str, Callable]] = []


_ORDINALS = "一二三四五六七八九十"


def at_local_hour(moment: datetime, hour: int, *, not_before: bool) -> datetime:
    """``hour``:00 Beijing time on the day of ``moment`` (UTC): a time a real notice would name. With ``not_before``
    the result is not earlier than ``moment`` (a close), else not later (an opening): the window only grows."""
    day = local_day(moment)
    for _ in range(2):
        found = datetime.combine(day, time(hour), LOCAL_TZ).astimezone(UTC)
        if (found >= moment) if not_before else (found <= moment):
            return found
        day += timedelta(days=1 if not_before else -1)
    raise AssertionError("unreachable")


def assembly_title(community, when: datetime, suffix: str = "") -> str:
    """``2026年第二次业主大会会议（临时会议）``: the year of ``when`` (Beijing) and the count of the community's
    assemblies already titled with that year, so that the demo's titles follow its dates."""
    year = local_day(when).year
    earlier = db.session.scalar(select(func.count(Meeting.id)).where(
        Meeting.community_id == community.id, Meeting.title.like(f"{year}年第%次业主大会会议%"))) or 0
    return f"{year}年第{ordinal(earlier + 1)}次业主大会会议{suffix}"


def year_of(when: datetime) -> int:
    """The Beijing year of ``when``: demo titles that name a year use it."""
    return local_day(when).year


def ordinal(n: int) -> str:
    """一, 二, … 十 for titles (第三次)."""
    return _ORDINALS[max(1, min(n, 10)) - 1]


def demo_step(name: str):
    """Register a function ``step(community, accounts: dict[str, User])`` to run after the base demo."""

    def decorator(func):
        _STEPS[:] = [(n, f) for n, f in _STEPS if n != name]
        _STEPS.append((name, func))
        return func

    return decorator


def _name(rng: random.Random) -> str:
    given = _GIVEN[rng.randrange(len(_GIVEN))] + (_GIVEN[rng.randrange(len(_GIVEN))] if rng.random() < 0.7 else "")
    return _SURNAMES[rng.randrange(len(_SURNAMES))] + given


def register_csv(seed: int = 278) -> str:
    """The demo register: 3 residential buildings (17 floors × 6 homes), developer units, parking spaces."""
    rng = random.Random(seed)
    layouts = [8952, 11236, 14380, 8952, 11236, 12790]  # hundredths of m², by position on the floor
    rows = []
    owner_seq = 0
    owner_info: dict[str, tuple[str, str]] = {}

    def new_owner() -> str:
        nonlocal owner_seq
        owner_seq += 1
        ref = f"O{owner_seq:04d}"
        owner_info[ref] = (_name(rng), "13" + "".join(str(rng.randrange(10)) for _ in range(9)))
        return ref

    multi_owners: list[str] = []
    for building in ("1", "2", "3"):
        for floor in range(1, 18):
            for pos in range(1, 7):
                number = f"{building}-{floor:02d}{pos:02d}"
                area = layouts[pos - 1] + rng.randrange(-35, 36)
                status = "delivered"
                if building == "3" and floor >= 16:
                    status = "unsold" if pos <= 4 else "sold_undelivered"
                owners: list[str] = []
                if status == "delivered":
                    if multi_owners and rng.random() < 0.08:
                        owners = [rng.choice(multi_owners)]
                    else:
                        owners = [new_owner()]
                        if rng.random() < 0.3:
                            owners.append(new_owner())  # spouses co-own
                        elif rng.random() < 0.12:
                            multi_owners.append(owners[0])
                rows.append((number, building, area, status, owners))
    # Parking spaces: registered, but this community's rules do not count them (R3).
    for i in range(1, 11):
        rows.append((f"P-{i:03d}", "P", 1250, "delivered", [rows[i * 7][4][0] if rows[i * 7][4] else new_owner()]))

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["unit", "building", "area", "status", "owners", "area_source", "counts", "owner_names",
                     "owner_phones"])
    for number, building, area, status, owners in rows:
        writer.writerow([
            number,
            building,
            format_area(area),
            status,
            ";".join(owners),
            "register" if rng.random() < 0.9 else "survey",
            "no" if building == "P" else "yes",
            ";".join(f"{o}={owner_info[o][0]}" for o in owners),
            ";".join(f"{o}={owner_info[o][1]}" for o in owners),
        ])
    return out.getvalue()


def load_demo(*, echo: Callable[[str], None] = print) -> bool:
    """Load the demo community; return False (and change nothing) when it is already there."""
    if db.session.scalar(select(Community.id).where(Community.slug == DEMO_SLUG)) is not None:
        echo(f"The demo community {DEMO_NAME} is already loaded; nothing changed.")
        return False

    # One hash for every demo account: they share one published password anyway,
    # and hashing 50 times with scrypt would make `make run` slow.
    pw = hash_password(DEMO_PASSWORD)
    accounts: dict[str, User] = {}
    for username, display, _role, _ref in STAFF_ACCOUNTS:
        accounts[username] = User(username=username, display_name=display, password_hash=pw)
        db.session.add(accounts[username])
    db.session.flush()
    admin = accounts["admin"]
    db.session.add(RoleGrant(user_id=admin.id, role=Role.ADMIN, community_id=None))
    log_action("role.grant", actor=None, obj=admin, data={"user": "admin", "role": "admin", "demo": True})

    community = Community(slug=DEMO_SLUG, name=DEMO_NAME, district="示范街道", address="示范路 278 号")
    db.session.add(community)
    db.session.flush()
    log_action("community.create", actor=admin, community=community, obj=community, data={"demo": True})
    report = import_register(community, register_csv().encode("utf-8"), actor=admin, source="demo")

    owners = {o.ref: o for o in db.session.scalars(select(Owner).where(Owner.community_id == community.id))}
    moment = now()
    for username, _display, role, ref in STAFF_ACCOUNTS[1:]:
        user = accounts[username]
        grant = RoleGrant(user_id=user.id, role=Role(role), community_id=community.id, granted_by_id=admin.id)
        db.session.add(grant)
        log_action("role.grant", actor=admin, community=community, obj=user, data={"user": username, "role": role})
        if grant.role in committee.COMMITTEE_ROLES:  # R30: a 5-member committee, its 5-year term starting today
            db.session.flush()
            committee.start_term(grant, starts_on=local_day(moment), actor=admin)
        if ref:
            _link_owner(user, owners[ref], admin, moment)
    taken = {ref for *_, ref in STAFF_ACCOUNTS if ref}
    refs = [r for r in sorted(owners) if r not in taken and owners[r].ownerships][:OWNER_ACCOUNTS]
    for i, ref in enumerate(refs, start=1):
        owner = owners[ref]
        user = User(username=f"owner{i:03d}", display_name=owner.name, phone=owner.phone, password_hash=pw)
        db.session.add(user)
        db.session.flush()
        accounts[user.username] = user
        _link_owner(user, owner, accounts["chair"], moment)
    db.session.flush()
    for name, step in _STEPS:
        echo(f"demo: {name}")
        step(community, accounts)
    demo_second.load_second(accounts, pw, echo=echo)  # the second community: a preparatory group, no committee
    jobs.commit()
    echo(f"Loaded {DEMO_NAME}: {report.summary()}.")
    echo(f"Accounts: {', '.join(u for u, *_ in STAFF_ACCOUNTS)}, owner001…owner{len(refs):03d}; "
         f"street2, juwei2, developer2, chuxin01…chuxin46 (初心家园); password for all: {DEMO_PASSWORD}")
    return True


def _link_owner(user, owner, confirmer, moment) -> None:
    owner.user_id = user.id
    owner.confirmed_at = moment
    owner.confirmed_by_id = confirmer.id
    db.session.add(RoleGrant(user_id=user.id, role=Role.OWNER, community_id=owner.community_id,
                             granted_by_id=confirmer.id))
    db.session.flush()
    log_action("owner.confirm", actor=confirmer, community=owner.community_id, obj=owner,
           data={"user": user.username, "owner": owner.ref, "demo": True})


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Load only when the database has no community at all.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Load the demo community 示范花园 (refused when GOVERN_ENV=production)."""
    if current_app.config["GOVERN_ENV"] == "production":
        click.echo("error: the demo is refused when GOVERN_ENV=production.", err=True)
        sys.exit(2)
    if if_empty and db.session.scalar(select(Community.id).limit(1)) is not None:
        click.echo("The database already holds data; the demo was not loaded.")
        return
    load_demo(echo=click.echo)


from govern import demo_second  # noqa: E402  (the second community; it uses this module's helpers)
