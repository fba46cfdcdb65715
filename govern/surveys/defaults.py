"""The standard SERVQUAL item set (Parasuraman, Zeithaml & Berry, 22 items), worded for property management.

Content, not interface text: the committee edits it before opening a survey.
"""

DEFAULT_ITEMS: dict[str, list[str]] = {
    "tangibles": [
        "小区公共设施设备完好、现代",
        "小区环境整洁，绿化养护良好",
        "物业服务人员着装整齐、仪表得体",
        "收费标准、公告等公示材料清晰易懂",
    ],
    "reliability": [
        "物业承诺在某一时间完成的事，能按时完成",
        "业主遇到问题时，物业真诚地帮助解决",
        "物业第一次就把服务做好",
        "物业在承诺的时间提供服务",
        "物业的收费与账目准确无误",
    ],
    "responsiveness": [
        "物业会告诉业主服务何时完成",
        "物业人员提供及时的服务",
        "物业人员总是愿意帮助业主",
        "物业人员不会因为太忙而不回应业主的请求",
    ],
    "assurance": [
        "物业人员的行为让业主信任",
        "业主在小区内感到安全",
        "物业人员始终礼貌待人",
        "物业人员具备回答业主问题的专业知识",
    ],
    "empathy": [
        "物业会给予每位业主个别关注",
        "物业的服务时间方便所有业主",
        "物业人员了解业主的具体需求",
        "物业把业主的利益放在心上",
        "物业人员给予业主个性化的关心",
    ],
}
