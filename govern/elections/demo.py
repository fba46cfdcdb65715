"""Demo content: a committee election (换届选举) of 5 seats with 7 candidates, nominated by the committee, accepted,
nominations closed and the notice published; voting is open now (ten owners have voted), so an owner can vote for
candidates on a phone."""

from __future__ import annotations

from datetime import timedelta

from govern import clock
from govern.demo import assembly_title, at_local_hour, demo_step
from govern.elections import services as elections
from govern.meetings import services
from govern.meetings.demo import DEMO_KEYS, _cast

#: Seats and candidates of the demo election (差额: more candidates than seats).
SEATS, CANDIDATES = 5, 7
STATEMENTS = (
    "在小区居住十余年，熟悉各楼栋情况。当选后将推动公共收益账目每季度公开。",
    "从事财务工作，愿意义务审核物业服务费和维修资金的使用。",
    "退休教师，时间充裕，愿意多听取老年业主的意见。",
    "关注停车和电动自行车充电问题，希望推动增设充电设施。",
    "律师，愿意为业主大会和业主委员会的议事规则把关。",
    "热心公益，曾组织楼栋志愿者清理楼道杂物。",
    "希望加强与物业服务企业的沟通，定期召开业主恳谈会。",
)


@demo_step("elections")
def demo_election(community, accounts) -> None:
    real_now = clock.now()
    chair = accounts["chair"]
    owners = [accounts[k] for k in sorted(accounts) if k.startswith("owner")]
    start = real_now - timedelta(days=20)
    with clock.frozen_at(start):
        opens = at_local_hour(real_now - timedelta(days=1), 8, not_before=False)
        meeting = services.create_meeting(community, services.MeetingData(
            title=assembly_title(community, opens, "（业主委员会换届选举）"),
            description="选举第二届业主委员会委员 5 名（差额选举）。",
            opens_at=opens, closes_at=at_local_hour(real_now + timedelta(days=12), 20, not_before=True),
            motions=[]), actor=chair)
        motion = elections.create_election(meeting, title="选举第二届业主委员会委员",
                                           text="应选 5 名，候选人 7 名；每张选票最多选 5 名。", seats=SEATS,
                                           actor=chair)
        standing = [u for u in reversed(owners) if not elections.eligibility_problems(community, u)][:CANDIDATES]
        for user, statement in zip(standing, STATEMENTS, strict=False):
            row = elections.nominate(motion, nominee=user, by="committee", actor=chair)
            elections.accept_nomination(row, actor=user)
            elections.set_statement(row, actor=user, statement=statement)
        elections.close_nominations(motion, actor=chair)
        services.publish_meeting(meeting, actor=chair)
    ids = [c["id"] for c in motion.election["candidates"]]
    voters = [u for u in owners if u.id in DEMO_KEYS][:10]
    for i, user in enumerate(voters):  # a few owners have voted already, each for up to 5 candidates
        with clock.frozen_at(real_now - timedelta(hours=10) + timedelta(minutes=17 * i)):
            marks = [ids[(i + k) % len(ids)] for k in range(1 + i % SEATS)]
            _cast(meeting, user, *DEMO_KEYS[user.id], {str(motion.id): {"marks": marks}})
