"""The second demo community 初心家园 (#14 item 6): no owners' committee yet, so the street office formed a
preparatory group (筹备组), which convened the first owners' assembly (首次业主大会). The assembly votes on the
议事规则, the 管理规约 and the election of the first committee (5 seats, 7 candidates nominated by the group);
voting is open now and a few owners have voted.

``govern.demo.load_demo`` calls :func:`load_second` after the first community; the accounts here are new (the
first community's are unchanged): ``street2`` (street office, group leader), ``juwei2`` (residents' committee),
``developer2`` (the developer) and the owners ``chuxin01`` … ``chuxin46``; ``chuxin01``–``chuxin03`` sit on the
group.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import timedelta

from sqlalchemy import select

from govern import clock
from govern.accounts.models import Role, RoleGrant, User
from govern.audit.services import log_action
from govern.ballots.owner_keys import enroll_key
from govern.core.keyproof import key_proof_body
from govern.core.keys import generate_keypair
from govern.demo import _link_owner, _name
from govern.elections import preparatory
from govern.elections import services as elections
from govern.extensions import db
from govern.formats import format_area
from govern.meetings import scrutineers, services
from govern.register.models import Community, Owner
from govern.register.services import import_register

SLUG = "chuxin"
NAME = "初心家园"
#: username, display name, role in the community, constituency on the preparatory group
STAFF = (
    ("street2", "街道办筹备组组长", Role.AUDITOR, "street_office"),
    ("juwei2", "居委会代表", Role.OBSERVER, "residents_committee"),
    ("developer2", "建设单位代表", Role.DEVELOPER_REP, "developer"),
)
#: Every owner of the register has an account (chuxin01 …), so a test can carry the vote to a quorum.
OWNER_ACCOUNTS = 46
#: Owners on the preparatory group (at least half of it: 3 of 6).
GROUP_OWNERS = 3
SEATS, CANDIDATES = 5, 7
STATEMENTS = (
    "小区交付三年，一直没有业主委员会。愿意牵头把公共收益收回业主手中。",
    "做过多年小区志愿者，熟悉每栋楼的情况。",
    "会计师，愿意义务审核维修资金和公共收益账目。",
    "希望推动地下车库照明和通风整改。",
    "律师，愿意为议事规则和管理规约的执行把关。",
    "退休工程师，关注电梯和消防设施的维护。",
    "希望建立业主与物业定期沟通的机制。",
)
#: Owners who have voted already (by account number), so the demo shows a vote in progress.
VOTED = range(7, 15)
#: The demo owners' key pairs by account id (for tests that carry the first assembly on).
KEYS: dict[int, tuple[str, str]] = {}


def register_csv(seed: int = 36) -> str:
    """Two residential buildings of 6 floors × 4 homes; two homes still unsold (the developer's)."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["unit", "building", "area", "status", "owners", "area_source", "counts", "owner_names",
                     "owner_phones"])
    seq = 0
    for building in ("1", "2"):
        for floor in range(1, 7):
            for pos in range(1, 5):
                area = (9850, 12020, 12020, 9850)[pos - 1] + rng.randrange(-30, 31)
                unsold = building == "2" and floor == 6 and pos <= 2
                owners, names, phones = [], [], []
                if not unsold:
                    seq += 1
                    ref = f"C{seq:04d}"
                    phone = "13" + "".join(str(rng.randrange(10)) for _ in range(9))
                    owners, names, phones = [ref], [f"{ref}={_name(rng)}"], [f"{ref}={phone}"]
                writer.writerow([f"{building}-{floor:02d}{pos:02d}", building, format_area(area),
                                 "unsold" if unsold else "delivered", ";".join(owners), "register", "yes",
                                 ";".join(names), ";".join(phones)])
    return out.getvalue()


def load_second(accounts: dict[str, User], password_hash: str, *, echo) -> None:
    """Load 初心家园 with its preparatory group and open first assembly (``accounts`` gains its accounts)."""
    from govern.meetings.demo import _cast  # imported by the meetings blueprint, after the demo steps' order is set

    real_now = clock.now()
    admin = accounts["admin"]
    community = Community(slug=SLUG, name=NAME, district="示范街道", address="初心路 36 号",
                          settings_json={"election_nominators": "owners,preparatory"})
    db.session.add(community)
    db.session.flush()
    log_action("community.create", actor=admin, community=community, obj=community, data={"demo": True})
    report = import_register(community, register_csv().encode("utf-8"), actor=admin, source="demo")
    for username, display, role, _c in STAFF:
        user = User(username=username, display_name=display, password_hash=password_hash)
        db.session.add(user)
        db.session.flush()
        accounts[username] = user
        db.session.add(RoleGrant(user_id=user.id, role=role, community_id=community.id, granted_by_id=admin.id))
        log_action("role.grant", actor=admin, community=community, obj=user,
                   data={"user": username, "role": role.value})
    owners = list(db.session.scalars(select(Owner).where(Owner.community_id == community.id).order_by(Owner.ref)))
    moment = real_now - timedelta(days=60)
    users = []
    for i, owner in enumerate(owners[:OWNER_ACCOUNTS], start=1):
        user = User(username=f"chuxin{i:02d}", display_name=owner.name, phone=owner.phone,
                    password_hash=password_hash)
        db.session.add(user)
        db.session.flush()
        accounts[user.username] = user
        users.append(user)
        with clock.frozen_at(moment):
            _link_owner(user, owner, admin, moment)
    keys = {}
    with clock.frozen_at(moment):
        for user in [*users, *(accounts[u] for u, *_ in STAFF)]:
            private, public = generate_keypair()
            enroll_key(user, key_proof_body(private, str(user.id), clock.now()), actor=user, is_demo=True,
                       check_pw=False, require_proof=True)
            keys[user.id] = (private, public)
    KEYS.update(keys)

    street = accounts["street2"]
    with clock.frozen_at(real_now - timedelta(days=40)):
        members = [(accounts[u], c) for u, _d, _r, c in STAFF] + [(u, "owners") for u in users[:GROUP_OWNERS]]
        preparatory.form_group(community, members, leader=street, actor=street)

    start = real_now - timedelta(days=25)  # the notice is published 24 days before voting opens (R36: 15)
    with clock.frozen_at(start):
        meeting = preparatory.convene_first_assembly(community, services.MeetingData(
            title="初心家园首次业主大会会议",
            description="审议《业主大会议事规则》《管理规约》，选举第一届业主委员会委员 5 名（差额选举）。",
            opens_at=real_now - timedelta(days=1), closes_at=real_now + timedelta(days=12),
            motions=[
                services.MotionData(title="通过《业主大会议事规则》", item=1,
                                    text="按筹备组公布的草案通过业主大会议事规则。"),
                services.MotionData(title="通过《管理规约》", text="按筹备组公布的草案通过管理规约。", item=2),
            ]), actor=street)
        motion = elections.create_election(meeting, title="选举第一届业主委员会委员",
                                           text="应选 5 名，候选人 7 名；每张选票最多选 5 名。", seats=SEATS,
                                           actor=street)
        standing = [u for u in users[GROUP_OWNERS:] if not elections.eligibility_problems(community, u)]
        for user, statement in zip(standing[:CANDIDATES], STATEMENTS, strict=True):
            row = elections.nominate(motion, nominee=user, by="preparatory", actor=street)
            elections.accept_nomination(row, actor=user)
            elections.set_statement(row, actor=user, statement=statement)
        elections.close_nominations(motion, actor=street)
        services.publish_meeting(meeting, actor=street)
        for user in users[-2:]:  # two owners outside the group and the candidates count the votes (监票人)
            scrutineers.name_scrutineer(meeting, user, actor=street)
    ids = [c["id"] for c in motion.election["candidates"]]
    rules, covenant = (str(m.id) for m in meeting.motions if not m.is_election)
    for n in VOTED:
        user = users[n - 1]
        with clock.frozen_at(real_now - timedelta(hours=9) + timedelta(minutes=11 * n)):
            marks = [ids[(n + k) % len(ids)] for k in range(1 + n % SEATS)]
            _cast(meeting, user, *keys[user.id], {rules: "agree", covenant: "agree" if n % 4 else "abstain",
                                                  str(motion.id): {"marks": marks}})
    db.session.flush()
    echo(f"Loaded {NAME}: {report.summary()}; its preparatory group convened the first assembly.")
