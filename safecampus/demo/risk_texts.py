"""What demo risk registers say beyond the library's own text: campus areas, posts, emergency
measures and reasons for re-assessment, in Chinese as a school's register (风险清单) has them.

Pure data for the demo generator (demo.risks).
"""

from __future__ import annotations

from safecampus.orgs.choices import SchoolKind as K
from safecampus.risks.choices import Reason

# Campus areas (校园区域) by key: (name at a school, name at a kindergarten), in map order.
AREAS: dict[str, tuple[str, str]] = {
    "gate": ("校门", "园门"),
    "teaching": ("教学楼", "保教楼"),
    "lab": ("实验楼", "实验楼"),
    "canteen": ("食堂", "厨房"),
    "playground": ("操场", "户外活动场"),
    "dorm": ("宿舍楼", "午睡室"),
}
# Every school has these areas; a dormitory or laboratory only where its register has points
# there. Off-campus training institutions rent a floor: a door and classrooms.
BASE_AREAS: dict[str, tuple[str, ...]] = {K.TRAINING: ("gate", "teaching")}
DEFAULT_BASE_AREAS = ("gate", "teaching", "canteen", "playground")

# Where the points of a risk category sit. None: not one place on the campus (the river near
# the school, the trip, the whole school), so the point names a location instead.
CATEGORY_AREA: dict[str, str | None] = {
    "gate_security": "gate",
    "buildings": "teaching",
    "fire": "teaching",
    "electricity_gas": "teaching",
    "food": "canteen",
    "drinking_water": "canteen",
    "traffic": "gate",
    "drowning": None,
    "sports_activities": "playground",
    "laboratory_chemicals": "lab",
    "dormitory": "dorm",
    "bullying_violence": "teaching",
    "psych": "teaching",
    "special_groups": None,
    "epidemic": "teaching",
    "surroundings": None,
    "natural_disasters": None,
    "off_campus": None,
    "network": "teaching",
}
CATEGORY_LOCATION: dict[str, str] = {
    "drowning": "学校周边河塘、水库",
    "special_groups": "全校",
    "surroundings": "校园周边200米",
    "natural_disasters": "全校",
    "off_campus": "校外活动场所",
}

# The post that controls a point of each category (§3.3: a red point is the head's own).
CATEGORY_POST: dict[str, str] = {
    "gate_security": "保卫干事",
    "buildings": "总务主任",
    "fire": "安全办主任",
    "electricity_gas": "电工",
    "food": "食堂管理员",
    "drinking_water": "总务主任",
    "traffic": "安全办主任",
    "drowning": "德育主任",
    "sports_activities": "体育教研组长",
    "laboratory_chemicals": "实验室管理员",
    "dormitory": "宿管员",
    "bullying_violence": "德育主任",
    "psych": "心理健康教师",
    "special_groups": "德育主任",
    "epidemic": "校医",
    "surroundings": "安全办主任",
    "natural_disasters": "安全办主任",
    "off_campus": "教务主任",
    "network": "信息技术教师",
}
HEAD_POST = ("校长", "园长")  # school, kindergarten

# What is done when it happens (应急处置措施), by category.
EMERGENCY: dict[str, str] = {
    "gate_security": "门卫立即关闭校门、报警（110），护卫学生撤离至安全区域，报告校领导。",
    "buildings": "立即疏散师生、设置警戒区域，报告主管部门并请专业机构鉴定。",
    "fire": "拨打119，按疏散预案组织师生撤离，用灭火器扑救初起火灾，清点人数。",
    "electricity_gas": "切断电源或关闭燃气总阀，开窗通风，严禁明火，报告总务处并通知专业人员。",
    "food": "停止供餐、封存留样和可疑食品，送医救治，2小时内报告市场监管和教育部门。",
    "drinking_water": "停止供水、张贴停用告示，改供桶装水，送检水样并报告卫生部门。",
    "traffic": "保护现场、拨打120和122，救治伤员，通知家长并报告教育局。",
    "drowning": "大声呼救、抛投救生圈或长杆施救，不得手拉手下水，拨打120和110。",
    "sports_activities": "停止活动，校医现场初步处置，必要时拨打120并通知家长。",
    "laboratory_chemicals": "停止实验、疏散学生，按安全技术说明书处置泄漏，冲洗伤处并送医。",
    "dormitory": "宿管员立即组织疏散、清点人数，报告值班领导，必要时报警或送医。",
    "bullying_violence": "立即制止、隔离当事学生，救治受伤学生，通知家长，报告学校欺凌治理委员会。",
    "psych": "专人看护、不离视线，通知家长和心理教师，必要时送专业机构。",
    "special_groups": "班主任和责任教师一对一关注，联系监护人，落实帮扶措施。",
    "epidemic": "隔离观察、通知家长接回就医，按规定报告疾控机构，对场所消毒。",
    "surroundings": "护学岗人员护送学生，报告属地派出所和综治部门。",
    "natural_disasters": "启动应急预案，组织师生到避险场所，清点人数，必要时停课。",
    "off_campus": "带队教师立即清点人数、救治伤员，报告学校和教育局，联系家长。",
    "network": "断开受影响设备网络，保存日志，报告网信和公安部门。",
}

# Why a point was graded again (with a higher level): the note its assessor wrote.
REASSESSMENT_NOTES: dict[str, tuple[str, ...]] = {
    Reason.INCIDENT.value: (
        "本学期发生同类险情后重新评估",
        "周边学校发生类似事故，重新评估",
        "督导检查发现问题后重新评估",
    ),
    Reason.CHANGE.value: (
        "新学期开学前重新评估",
        "汛期来临前重新评估",
        "校舍改造施工期间重新评估",
        "学生人数增加后重新评估",
    ),
    Reason.YEARLY.value: ("年度复评",),
}
