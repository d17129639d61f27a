"""The shipped post templates (岗位安全职责): nine common posts of a school, in the spirit of the
MoE post safety guide (中小学校岗位安全工作指南, DOMAIN.md §2.3 [S4a]). Schools edit their copies.

Each entry: (key, Chinese name, English name, [(Chinese duty, English duty), ...]).
"""

from __future__ import annotations

from typing import Any

Template = tuple[str, str, str, list[tuple[str, str]]]

TEMPLATES: list[Template] = [
    (
        "principal",
        "校长",
        "Principal",
        [
            (
                "是学校安全工作第一责任人，对本校安全工作全面负责。",
                "Is the first responsible person for the school's safety and answers for all "
                "of it.",
            ),
            (
                "组织建立健全学校安全管理制度、岗位安全职责和应急预案。",
                "Sets up the school's safety rules, the safety duties of every post and the "
                "emergency plans.",
            ),
            (
                "每学期至少主持召开两次安全工作会议，研究解决安全工作重大问题。",
                "Chairs a safety meeting at least twice a term and settles the major safety "
                "issues.",
            ),
            (
                "与分管副校长、中层干部和教职工签订安全责任书，落实一岗双责。",
                "Signs responsibility letters with the deputy in charge, the middle managers and "
                "the staff, so that every post carries its safety duty.",
            ),
            (
                "保障安全工作所需经费、人员和设施设备。",
                "Provides the money, people, facilities and equipment that safety work needs.",
            ),
            (
                "定期带队开展安全检查，督促重大隐患整改到位。",
                "Leads safety inspections regularly and sees that major hazards are fixed.",
            ),
            (
                "发生安全事故时第一时间赶赴现场指挥处置，并按规定报告。",
                "Goes to the scene at once when an accident happens, directs the response and "
                "reports it as required.",
            ),
        ],
    ),
    (
        "vice_principal",
        "分管安全副校长",
        "Vice-principal in charge of safety",
        [
            (
                "协助校长负责学校安全工作，对分管范围内的安全工作负直接领导责任。",
                "Assists the principal and is directly responsible for safety in the areas they "
                "lead.",
            ),
            (
                "组织制定学校年度安全工作计划并督促落实。",
                "Draws up the school's yearly safety work plan and follows it through.",
            ),
            (
                "组织开展每周安全自查和节假日前安全检查，建立隐患台账。",
                "Organises the weekly self-check and the checks before holidays, and keeps the "
                "hazard ledger.",
            ),
            (
                "组织每月至少一次应急疏散演练并做好记录和总结。",
                "Organises an evacuation drill at least once a month, with its record and review.",
            ),
            (
                "检查指导各岗位落实安全职责，考核结果报校长。",
                "Checks how each post carries out its safety duties and reports the results to "
                "the principal.",
            ),
            (
                "负责与公安、消防、卫生等部门的联系协调。",
                "Liaises with the police, fire, health and other departments.",
            ),
        ],
    ),
    (
        "safety_officer",
        "安全管理员",
        "Safety officer",
        [
            (
                "具体负责学校日常安全管理工作，落实安全制度。",
                "Runs the school's day-to-day safety management and applies the safety rules.",
            ),
            (
                "每日巡查校园重点部位，发现隐患及时登记上报并跟踪整改。",
                "Patrols the key spots of the campus every day, records and reports hazards and "
                "follows their rectification.",
            ),
            (
                "管理消防器材、监控、一键报警等安防设施，确保完好有效。",
                "Keeps the fire equipment, video surveillance, one-key alarm and other security "
                "equipment in working order.",
            ),
            (
                "督促门卫落实外来人员登记和校门管理制度。",
                "Makes sure the guards register visitors and keep the gate rules.",
            ),
            (
                "整理安全工作档案，按时报送安全信息和统计数据。",
                "Keeps the safety files and sends safety information and figures on time.",
            ),
            (
                "协助组织安全教育和应急演练。",
                "Helps organise safety education and emergency drills.",
            ),
        ],
    ),
    (
        "head_teacher",
        "班主任",
        "Head teacher (班主任)",
        [
            (
                "是本班学生安全教育和管理的直接责任人。",
                "Is directly responsible for the safety education and supervision of their class.",
            ),
            (
                "每日清点学生出勤，学生无故缺勤及时联系家长并报告学校。",
                "Checks attendance every day; contacts the parents and tells the school when a "
                "pupil is absent without notice.",
            ),
            (
                "每周上好安全教育课或主题班会，放学前进行安全提醒。",
                "Gives a safety lesson or class meeting every week and a safety reminder before "
                "pupils go home.",
            ),
            (
                "掌握特殊体质、特殊家庭和心理异常学生情况，做好个别关注。",
                "Knows the pupils with health conditions, difficult family situations or "
                "psychological problems, and watches over them individually.",
            ),
            (
                "节假日前向家长发放安全告知书，落实防溺水、交通安全提醒。",
                "Sends the parents a safety notice before holidays, including drowning and "
                "traffic reminders.",
            ),
            (
                "发现学生欺凌、伤害等情况立即制止并报告学校。",
                "Stops bullying or injury at once when seen, and reports it to the school.",
            ),
        ],
    ),
    (
        "subject_teacher",
        "任课教师",
        "Subject teacher",
        [
            (
                "对课堂及本人组织的教学活动中的学生安全负责。",
                "Answers for pupils' safety in their lessons and in the activities they lead.",
            ),
            (
                "上课前清点人数，发现学生缺课及时告知班主任。",
                "Counts the pupils at the start of a lesson and tells the head teacher about "
                "anyone missing.",
            ),
            (
                "在教学中渗透安全教育，实验、体育等课程严格执行安全操作规程。",
                "Weaves safety into teaching, and keeps strictly to the safety procedures in "
                "laboratory, sports and similar lessons.",
            ),
            (
                "不提前下课、不拖堂，课间在教室或走廊维护秩序。",
                "Neither ends lessons early nor overruns, and keeps order in the classroom or "
                "corridor at breaks.",
            ),
            (
                "发现安全隐患或学生异常情况立即处置并报告。",
                "Acts at once on a hazard or an unusual situation with a pupil, and reports it.",
            ),
        ],
    ),
    (
        "canteen_manager",
        "食堂管理员",
        "Canteen manager",
        [
            (
                "对学校食堂食品安全负直接管理责任。",
                "Is directly responsible for food safety in the school canteen.",
            ),
            (
                "落实食材采购索证索票和进货查验登记制度。",
                "Collects the supplier licences and receipts, and checks and records every "
                "delivery.",
            ),
            (
                "每日检查从业人员健康状况，持有效健康证上岗。",
                "Checks the staff's health every day; only staff with a valid health certificate "
                "work.",
            ),
            (
                "按规定做好食品留样，记录留样时间和数量。",
                "Keeps food samples as required and records when and how much was kept.",
            ),
            (
                "做好餐具清洗消毒和操作间防鼠防蝇、燃气安全检查。",
                "Sees that tableware is washed and disinfected, keeps pests out of the kitchen "
                "and checks the gas installation.",
            ),
            (
                "发生疑似食物中毒时立即停止供餐、保护现场并报告。",
                "On a suspected food poisoning, stops serving at once, preserves the scene and "
                "reports it.",
            ),
        ],
    ),
    (
        "driver",
        "校车驾驶员",
        "School bus driver",
        [
            (
                "持有效驾驶证件，遵守交通法规，不超速、不超员、不酒驾。",
                "Holds a valid licence, obeys the traffic rules, never speeds, overloads or "
                "drinks and drives.",
            ),
            (
                "每次出车前检查车辆安全状况，发现故障不得出车。",
                "Checks the vehicle before every trip and does not drive a faulty one.",
            ),
            (
                "按核定线路、站点和时间运行，不随意变更。",
                "Drives only the approved route, stops and times.",
            ),
            (
                "与随车照管员共同清点上下车学生人数，确认无学生滞留车内。",
                "Counts pupils getting on and off with the escort and makes sure no pupil is "
                "left on the bus.",
            ),
            (
                "遇恶劣天气或突发情况，停车避险并及时报告学校。",
                "Stops in a safe place in bad weather or an emergency and reports to the school.",
            ),
        ],
    ),
    (
        "guard",
        "门卫（保安）",
        "Guard",
        [
            (
                "严格执行校门管理制度，上下学时段在校门口值守。",
                "Keeps the gate rules and stands at the gate when pupils arrive and leave.",
            ),
            (
                "对外来人员、车辆进行登记核实，未经许可不得进入校园。",
                "Registers and checks visitors and vehicles; nobody enters without permission.",
            ),
            (
                "规范佩戴和使用防护器械，熟练使用一键报警装置。",
                "Carries and uses the protective equipment properly and knows how to use the "
                "one-key alarm.",
            ),
            (
                "按时巡查校园，夜间值班不脱岗、不睡岗。",
                "Patrols the campus on schedule and never leaves or sleeps on the night shift.",
            ),
            (
                "发现可疑人员或突发事件立即处置、报警并报告学校。",
                "Deals at once with a suspicious person or an emergency, calls the police and "
                "reports to the school.",
            ),
            (
                "学生在校期间未经批准不得放学生离校。",
                "Lets no pupil leave during school hours without permission.",
            ),
        ],
    ),
    (
        "dormitory_keeper",
        "宿舍管理员",
        "Dormitory keeper",
        [
            (
                "负责学生宿舍日常安全管理，实行24小时值班。",
                "Runs the day-to-day safety of the dormitory, with someone on duty 24 hours.",
            ),
            (
                "每晚就寝前清点人数，学生未归立即报告班主任和学校。",
                "Counts the pupils every night before lights out; reports a pupil who has not "
                "come back to the head teacher and the school at once.",
            ),
            (
                "严禁外来人员进入宿舍，来访登记并经同意。",
                "Lets no outsider into the dormitory; visits are registered and approved.",
            ),
            (
                "检查宿舍用电、消防通道和安全出口，严禁使用违规电器。",
                "Checks the wiring, fire escapes and exits, and bans unsafe electrical appliances.",
            ),
            (
                "夜间定时巡查，关注学生身体和情绪异常。",
                "Patrols at set times at night and watches for pupils who are unwell or upset.",
            ),
            (
                "发生火灾等突发事件时组织学生疏散并报告。",
                "Leads the pupils out in a fire or other emergency and reports it.",
            ),
        ],
    ),
]


def template_rows() -> list[dict[str, Any]]:
    """The templates as field values (the data migration and tests both use this)."""
    return [
        {
            "key": key,
            "name_zh": zh,
            "name_en": en,
            "duties_zh": [d[0] for d in duties],
            "duties_en": [d[1] for d in duties],
            "sort": index * 10,
        }
        for index, (key, zh, en, duties) in enumerate(TEMPLATES, start=1)
    ]


def ensure_templates() -> None:
    """Create the shipped templates that are missing (a flushed transactional test loses them)."""
    from safecampus.duties.models import PostTemplate

    for row in template_rows():
        key = row.pop("key")
        PostTemplate.objects.get_or_create(key=key, defaults=row)
