"""Demo content for communication: channels, notices (one important, partly acknowledged), service requests in
every state (some overdue, some rated), a closed satisfaction survey — so the dashboard shows real numbers."""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import timedelta

from govern import clock
from govern.delivery.services import update_preferences
from govern.demo import at_local_hour, demo_step, year_of
from govern.errors import DomainError
from govern.extensions import db
from govern.formats import local_day
from govern.notices.models import NoticeReceipt
from govern.notices.services import acknowledge_notice, publish_notice, record_view
from govern.service import services as svc
from govern.surveys.services import close_survey, create_survey, open_survey, respond


@contextmanager
def _at(moment):
    """Run services as if at ``moment`` (they all read ``govern.clock.now``)."""
    original = clock.now
    clock.now = lambda: moment
    try:
        yield moment
    finally:
        clock.now = original


def _holiday(when) -> str:
    """The public holiday a notice published at ``when`` would announce: the next one (demo titles follow the dates)."""
    month = local_day(when).month
    return {1: "春节", 2: "清明节", 3: "清明节", 4: "劳动节", 5: "端午节", 6: "国庆节", 7: "国庆节", 8: "国庆节",
            9: "国庆节", 10: "元旦", 11: "元旦", 12: "元旦"}[month]


@demo_step("communication")
def demo_communication(community, accounts) -> None:
    rng = random.Random(8)
    start = clock.now()
    owners = [u for name, u in sorted(accounts.items()) if name.startswith("owner")]
    staff, chair = accounts["property1"], accounts["chair"]
    for i, user in enumerate(owners):
        data = {}
        if i % 5 in (0, 1):
            data.update(email_enabled=True, email=f"{user.username}@example.org")
        if i % 4 == 0 and user.phone:
            data.update(sms_enabled=True, phone=user.phone)
        if data:
            update_preferences(user, community, data, actor=user)

    notices = [
        (80, "normal", f"{_holiday(start - timedelta(days=80))}期间物业服务安排",
         f"{_holiday(start - timedelta(days=80))}假期物业客服值班时间为 **9:00–17:00**，报修请拨打值班电话。"),
        (45, "normal", "小区绿化修剪通知", "本周三至周五修剪绿化，请勿在绿化带旁停车。"),
        (20, "important", "关于电梯更新改造的重要通知",
         "1 号楼、2 号楼电梯将于下月起分批更新改造，工期约 30 天。\n\n- 改造期间每栋楼保留一部电梯运行\n"
         "- 请业主提前安排出行\n\n请阅读后点击“我已阅读”。"),
        (3, "normal", "停水通知", "明日 9:00–12:00 因管道检修停水，请提前储水。"),
    ]
    for days_ago, importance, title, body in notices:
        # published in office hours (9:00–14:00 Beijing time), never in the future
        with _at(min(start, at_local_hour(start - timedelta(days=days_ago), 9 + rng.randrange(1, 6),
                                          not_before=False))) as when:
            notice = publish_notice(community, {"title": title, "body": body, "importance": importance,
                                                "audience": "all"}, actor=staff if days_ago != 20 else chair)
        share = {"normal": 0.55, "important": 0.7}[importance] if days_ago > 5 else 0.3
        for r in list(notice_receipts(notice)):
            if rng.random() < share:
                user = r.user
                with _at(when + timedelta(hours=rng.randrange(1, 72))):
                    record_view(notice, user)
                    if importance == "important" and rng.random() < 0.75:
                        acknowledge_notice(notice, actor=user)

    kinds = [("repair", "leak"), ("repair", "elevator"), ("repair", "plumbing"), ("complaint", "noise"),
             ("complaint", "parking"), ("suggestion", "greening"), ("repair", "door_access"),
             ("complaint", "cleaning")]
    # (days ago filed, hours to acknowledge or None, hours to resolve or None, rating or None)
    plan = [(70, 2, 30, 5), (62, 5, 50, 4), (55, 30, 140, 2), (48, 1, 20, 5), (40, 8, 70, 4), (33, 3, 96, 3),
            (27, 1, 12, 5), (20, 20, 60, 4), (14, 2, 80, None), (9, 4, 40, None), (6, 30, None, None),
            (4, None, None, None), (1, 2, None, None), (0, None, None, None)]
    for i, (ago, ack_h, res_h, rating) in enumerate(plan):
        owner = owners[(i * 3) % len(owners)]
        category, sub = kinds[i % len(kinds)]
        units = svc.units_of(owner, community)
        filed = start - timedelta(days=ago, hours=rng.randrange(0, 8))
        with _at(filed):
            req = svc.file_request(community, {"category": category, "subcategory": sub,
                                               "unit_id": units[0].id if units and category == "repair" else None,
                                               "common_area": "" if units and category == "repair" else "东门停车场",
                                               "description": "演示报事：" + ("漏水严重，请尽快处理" if sub == "leak"
                                                                         else "请物业关注并处理")}, actor=owner)
        if ack_h is not None:
            with _at(filed + timedelta(hours=ack_h)):
                svc.acknowledge_request(req, actor=staff)
                svc.assign_request(req, {"assignee_id": staff.id}, actor=staff)
        if res_h is not None:
            with _at(filed + timedelta(hours=res_h)):
                svc.resolve_request(req, {"note": "已安排维修人员处理完毕。"}, actor=staff)
            if rating is not None:
                with _at(filed + timedelta(hours=res_h + 6)):
                    svc.confirm_request(req, {"rating": rating, "comment": "满意" if rating >= 4 else "太慢了"},
                                        actor=owner)

    with _at(start - timedelta(days=30)):
        survey = create_survey(community, {"title": f"{year_of(clock.now())}年度物业服务满意度调查"}, actor=chair)
        open_survey(survey, actor=chair)
    items = survey.items
    gaps = {"tangibles": 0, "reliability": -2, "responsiveness": -2, "assurance": -1, "empathy": -1}
    for k, owner in enumerate(owners[:24]):
        answers = {}
        for item in items:
            e = rng.choice((5, 6, 6, 7, 7))
            p = max(1, min(7, e + gaps[item.dimension] + rng.choice((-1, 0, 0, 1))))
            answers[f"e{item.id}"], answers[f"p{item.id}"] = e, p
        with _at(start - timedelta(days=29 - k % 10)):
            try:
                respond(survey, community, answers, actor=owner)
            except DomainError:  # a co-owner whose home already answered
                pass
    with _at(start - timedelta(days=15)):
        close_survey(survey, actor=chair)


def notice_receipts(notice):
    from sqlalchemy import select

    return db.session.scalars(select(NoticeReceipt).where(NoticeReceipt.notice_id == notice.id)
                              .order_by(NoticeReceipt.id))
