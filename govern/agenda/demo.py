"""Demo content for `govern demo`: proposals in several states, co-signers and a short thread."""

from __future__ import annotations

from flask import current_app

from govern.agenda import services, threads
from govern.demo import demo_step
from govern.errors import DomainError


@demo_step("agenda")
def agenda_demo(community, accounts) -> None:
    with current_app.test_request_context():  # url_for for the notifications' links
        owners = [accounts[k] for k in sorted(accounts) if k.startswith("owner")]

        def make(author, title, body, *, item="other", matter="ordinary", kind="proposal", signers=()):
            p = services.create_proposal(community, {"title": title, "body": body, "item": item, "matter": matter,
                                                     "kind": kind}, actor=author)
            services.open_proposal(p, actor=author)
            for user in signers:
                try:
                    services.cosign_proposal(p, actor=user)
                except DomainError:  # a co-owner of someone who already signed, or the threshold passed
                    continue
            return p

        lift = make(owners[0], "更换2号楼电梯", "2号楼电梯已运行 15 年，近一年故障 9 次。\n\n"
                    "建议使用**专项维修资金**更换两部电梯，预算约 80 万元。", item="5", signers=owners[1:6])
        thread = threads.thread_for(community, "proposal", lift.id)
        link = (lift.title, services.proposal_url(lift))
        first = threads.post_comment(thread, {"body": "支持！上周又被困了一次。", "stance": "support"},
                                     actor=owners[2], link=link)
        threads.post_comment(thread, {"body": "维修资金余额够吗？能否先公布账目？", "stance": "question"},
                             actor=owners[7], link=link)
        threads.post_comment(thread, {"body": "物业答复：维修资金余额约 260 万元，明细可在物业中心查阅。",
                                      "parent_id": first.id}, actor=accounts["property1"], link=link)
        make(owners[8], "增设电动自行车充电桩", "在 1 号楼和 3 号楼之间增设集中充电棚，避免飞线充电。",
             item="8", matter="major", signers=owners[9:30])
        accepted = make(owners[3], "公开维修资金使用明细", "请物业每季度在公告栏和本平台公开维修资金的使用明细。",
                        item="9", signers=owners[10:32])
        if accepted.state.value == "review":
            services.accept_proposal(accepted, {"motion_title": "关于每季度公开维修资金使用明细的议案"},
                                     actor=accounts["committee1"])
        rejected = make(owners[4], "取消小区门禁", "门禁经常坏，干脆取消。", signers=owners[12:14])
        services.reject_proposal(rejected, {"reason": "门禁维修属于物业日常服务，已转物业报修处理，无需业主大会表决。"},
                                 actor=accounts["chair"])
        make(owners[5], "提议召开业主大会临时会议：更换物业公司", "现物业服务质量下降，提议召开临时会议表决更换物业。",
             item="4", kind="petition", signers=owners[15:20])
