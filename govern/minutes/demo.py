"""Demo content: the published minutes of the demo's closed assembly, and a signed committee meeting.

Runs after the meetings step (``govern.minutes.views`` is imported after ``govern.meetings.views``).
The demo committee members get fresh demo key pairs (re-enrolment revokes their previous demo
key, and is logged, exactly as a new device would), because the private halves the meetings step
made are not kept anywhere.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from govern import clock
from govern.ballots.models import Meeting, MeetingStatus
from govern.core.keyproof import key_proof_body
from govern.core.keys import generate_keypair, sign
from govern.demo import at_local_hour, demo_step, ordinal, year_of
from govern.extensions import db
from govern.formats import LOCAL_TZ
from govern.meetings import services as meeting_services
from govern.minutes import services, signing

MINUTES_TEXT = """## 会议概况

本次会议由业主委员会召集，采用线上电子投票与纸质表决票相结合的方式进行。投票期间，业委会在各楼栋大堂张贴了会议通知和投票二维码，并上门提醒尚未投票的业主。

## 讨论情况

- 多位业主对物业服务质量提出意见，主要集中在**电梯维保**和**地下车库照明**。物业公司承诺在续约后三个月内完成整改。
- 关于使用公共收益维修电梯，业主询问费用明细；业委会已在公示栏公布三家报价。

## 后续安排

业委会将在表决结果公告后与物业服务企业签订续聘合同，并在一个月内公示合同文本。
"""


@demo_step("minutes")
def demo_minutes(community, accounts) -> None:
    """Approve and publish the minutes of the closed assembly; hold and publish one committee meeting."""
    members = [accounts[n] for n in ("chair", "committee1", "committee2") if n in accounts]
    keys = {}
    for user in members:
        private, _public = generate_keypair()
        # the same proof of possession a device sends (govern.core.keyproof), as the meetings demo does
        meeting_services.enroll_key(user, key_proof_body(private, str(user.id), clock.now()), actor=user,
                                    is_demo=True, check_pw=False, require_proof=True)
        keys[user.id] = private
    chair, first, second = members[0], members[1], members[2]

    closed = [m for m in db.session.scalars(select(Meeting).where(Meeting.community_id == community.id)
                                            .order_by(Meeting.id))
              if m.status is MeetingStatus.CLOSED]
    if closed:
        meeting = closed[0]
        revision, _created = services.save_minutes(meeting, MINUTES_TEXT, actor=chair)
        for user in (chair, first, second):  # more than half of the five members approve
            doc = signing.approval_document(revision, meeting.id)
            services.approve_revision(revision, {"signature": sign(keys[user.id], doc)}, actor=user)
        services.publish_revision(revision, actor=chair)

    real_now = clock.now()
    held = at_local_hour(real_now - timedelta(days=4), 19, not_before=False)  # an evening meeting
    with clock.frozen_at(real_now - timedelta(days=12)):
        cm = services.create_committee_meeting(community, services.CommitteeMeetingData(
            # the committee meets every quarter: its Nth meeting of the year is in quarter N
            title=f"{year_of(held)}年第{ordinal((held.astimezone(LOCAL_TZ).month - 1) // 3 + 1)}次业委会会议",
            location="小区会所二楼会议室", starts_at=held,
            items=[
                services.ItemData(title="审议地下车库照明改造方案", text="更换 LED 灯具，费用由日常维修费列支。"),
                services.ItemData(title="研究续聘物业服务企业事宜", text="拟提请业主大会表决。", art278_item=4),
            ]), actor=chair)
        services.publish_agenda(cm, actor=chair)
    with clock.frozen_at(held + timedelta(hours=2)):
        # three of the five members present: more than half (R31)
        services.record_attendance(cm, [chair.id, first.id, second.id], actor=chair)
        services.decide_item(cm.items[0], {chair.id: "agree", first.id: "agree", second.id: "agree"}, actor=chair)
        services.close_committee_minutes(cm, "会议由主任主持。与会委员一致认为车库照明不足，存在安全隐患，同意改造。"
                                             "续聘物业服务企业属于业主共同决定事项，提请业主大会表决。", actor=chair)
        for user in (chair, first, second):
            services.sign_committee_minutes(cm, {"signature": sign(keys[user.id], cm.minutes_document)}, actor=user)
    with clock.frozen_at(held + timedelta(days=2)):
        services.publish_committee_minutes(cm, actor=chair)
    db.session.flush()
