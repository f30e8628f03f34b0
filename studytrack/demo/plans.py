"""The year's routine sessions, the annual study plans (年度学习计划) and the targets.

The university's group studies every month (its twelve sessions and four seminars of 2026 meet
the targets); the colleges study less often and differ in what they fall behind on, so the
leader's dashboard has an answer to "which units are behind on what, and who exactly":

- 校党委理论学习中心组: sessions, seminars, attendance and talks on target; reflections
  behind (the September session's are overdue for several members) and a task overdue;
- 智能制造学院: attendance 85 % — below the university's 90 %, but the college set its own
  target of 85 % (members lead students at skills competitions); reflections and tasks fine,
  too few sessions and seminars;
- 商学院: tasks overdue, reflections missing, few talks per member, planned sessions not held;
- 健康与护理学院: attendance and reflections behind (马晓丽 owes two), its task overdue.

Every held session is linked to the plan item it fulfils; each plan also has items not held:
some overdue (their month or quarter has passed) and some still due (after the seeding date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from studytrack.demo.build import (
    SHANGHAI,
    Clock,
    LeaveSpec,
    ReflectionSpec,
    SessionSpec,
    TalkSpec,
    TaskSpec,
)
from studytrack.demo.people import GROUPS, Registry
from studytrack.extensions import db
from studytrack.models import (
    PlanItem,
    ReflectionStatus,
    SessionKind,
    SessionStatus,
    StudyPlan,
    TalkKind,
    TargetMetric,
    TaskStatus,
)
from studytrack.plans import services as plan_services
from studytrack.plans.rules import ItemData

COLLECTIVE, SEMINAR = SessionKind.COLLECTIVE, SessionKind.SEMINAR
LECTURE, RETREAT = SessionKind.LECTURE, SessionKind.READING_RETREAT
ACCEPTED, SUBMITTED = ReflectionStatus.ACCEPTED, ReflectionStatus.SUBMITTED
SELF_STUDY = "自学会议材料，向学习秘书提交学习笔记。"

LOCATIONS = {"uni": "518会议室", "zz": "实训楼302会议室", "sx": "商学院会议室",
             "hl": "健康楼201会议室"}
CHAIRS = {g.key: g.members[0][0] for g in GROUPS}
MIN_CHARS = {"uni": 600, "zz": 500, "sx": 500, "hl": 500}


def routine(
    group: str, kind: SessionKind, day: date, topic: str, short: str, theme: str,
    materials: tuple[str, ...], speakers: tuple[str, ...], *,
    leaves: tuple[LeaveSpec, ...] = (), missing: tuple[str, ...] = (),
    late: tuple[str, ...] = (), guest: tuple[str, str, str] | None = None,
    tasks: tuple[TaskSpec, ...] = (), hours: float = 2,
) -> SessionSpec:
    """A held session told briefly: the chair's address (or a guest's lecture) and exchange
    talks by `speakers`; every member who owes a reflection hands it in four days after the
    session (or, if `late`, three weeks after) and it is accepted — except those `missing`."""
    chair = CHAIRS[group]
    talks = [TalkSpec(TalkKind.CHAIR_ADDRESS, chair,
                      f"领学有关材料，围绕“{short}”提出学习要求，强调把学习成果转化为推动"
                      "工作的实际举措。")]
    if guest is not None:
        title, name, summary = guest
        talks.append(TalkSpec(TalkKind.KEYNOTE, None, summary, title=title, speaker_name=name))
    talks += [TalkSpec(TalkKind.EXCHANGE, speaker,
                       f"结合分管工作，围绕“{short}”交流学习体会，提出下一步落实举措。")
              for speaker in speakers]
    spec = next(g for g in GROUPS if g.key == group)
    excused = {leave.username for leave in leaves if leave.makeup_on is None}
    reflections = tuple(
        ReflectionSpec(username, ACCEPTED, after_days=21 if username in late else 4)
        for username, _ in spec.members if username not in excused and username not in missing
    )
    return SessionSpec(
        group, kind, topic, short, day, (14, 30), hours, LOCATIONS[group], chair,
        SessionStatus.CLOSED if day.month < 9 else SessionStatus.PUBLISHED,
        materials=materials, talks=tuple(talks), leaves=leaves,
        minutes=f"会议围绕“{short}”开展学习，中心组成员交流发言。会议要求中心组成员按时提交"
        "学习心得体会。",
        reflection_due_on=day + timedelta(days=14), min_reflection_chars=MIN_CHARS[group],
        theme=theme, reflections=reflections, tasks=tasks, quick_reflections=True,
    )


def leave(username: str, reason: str, makeup_on: date | None) -> LeaveSpec:
    return LeaveSpec(username, reason, makeup_on, SELF_STUDY if makeup_on else None)


D = date
ROUTINE: tuple[SessionSpec, ...] = (
    # 校党委理论学习中心组: every month (with the three sessions of the catalogue and the one
    # held a few days before seeding, twelve in 2026, four of them seminars)
    routine("uni", COLLECTIVE, D(2026, 1, 15),
            "学习贯彻党的二十届四中全会精神 谋划学校2026年重点工作", "谋划学校2026年重点工作",
            "新年开局，学习全会精神就是要把中央的部署转化为学校的年度重点任务，在职业本科"
            "内涵建设、产教融合和综合改革上排出时间表、路线图。",
            ("fourth-plenum", "fifteenth-plan"), ("chenxiaobin", "kouxinjian", "member")),
    routine("uni", COLLECTIVE, D(2026, 2, 26),
            "学习《中国共产党党委（党组）理论学习中心组学习规则》 部署年度理论学习",
            "中心组学习规则",
            "中心组学习是党员领导干部理论武装的重要制度。学习规则对学习内容、形式和考核作了"
            "明确规定，我们要对照规则把年度学习计划落实到每一次学习。",
            ("study-rules",), ("guanyanyan", "xuweidong"),
            tasks=(TaskSpec("印发校党委理论学习中心组2026年度学习计划", None, D(2026, 3, 10),
                            TaskStatus.DONE, assignee="secretary",
                            completion_note="年度学习计划已印发各二级党组织。",
                            done_on=D(2026, 3, 6)),)),
    routine("uni", LECTURE, D(2026, 4, 23),
            "习近平新时代中国特色社会主义思想的世界观和方法论专题辅导报告",
            "新思想的世界观和方法论",
            "这次辅导报告系统阐释了新思想的世界观和方法论，让我认识到必须掌握贯穿其中的立场"
            "观点方法，用以分析和解决学校改革发展中的实际问题。",
            ("third-plenum",), (),
            guest=("掌握新思想的世界观和方法论", "王明远（中共上海市委党校教授）",
                   "从坚持人民至上、自信自立、守正创新、问题导向、系统观念、胸怀天下六个方面"
                   "作辅导，结合上海实践解读新思想的世界观和方法论。"),
            leaves=(leave("kouxinjian", "带队赴市教委汇报新校区建设", D(2026, 4, 28)),)),
    routine("uni", COLLECTIVE, D(2026, 5, 21),
            "学习贯彻《教育强国建设规划纲要（2024—2035年）》 提升职业本科人才培养质量",
            "提升职业本科人才培养质量",
            "人才培养质量是学校的生命线。对照纲要要求，学校要在专业结构、课程改革、实践教学"
            "和质量保障上下功夫，让学生在实训中练就真本领。",
            ("education-outline",), ("chenxiaobin", "member", "luoning")),
    routine("uni", SEMINAR, D(2026, 6, 18),
            "深入贯彻中央八项规定精神 推进作风建设常态化长效化专题研讨", "作风建设常态化长效化",
            "作风建设没有休止符。巩固学习教育成果，关键在把有效做法固化为制度，持续为基层"
            "减负，以优良作风凝心聚力、干事创业。",
            ("eight-rules", "style-excerpts"),
            ("chenxiaobin", "xuweidong", "kouxinjian", "guanyanyan"), hours=2.5,
            tasks=(TaskSpec("修订学校落实中央八项规定精神实施办法", None, D(2026, 8, 31),
                            TaskStatus.DONE, assignee="xuweidong",
                            completion_note="实施办法修订稿已经校党委会审议通过并印发。",
                            done_on=D(2026, 8, 27)),)),
    routine("uni", SEMINAR, D(2026, 7, 9),
            "学习贯彻全国教育大会精神 推进“三全育人”综合改革专题研讨", "“三全育人”综合改革",
            "“三全育人”要求把立德树人融入学校工作的各个环节。各部门都是育人主体，要打通"
            "课程、实践、管理、服务育人的堵点，形成协同育人的合力。",
            ("education-conference",), ("guanyanyan", "member", "luoning"), hours=2.5,
            leaves=(leave("xuweidong", "参加市纪委监委集中培训", D(2026, 7, 15)),),
            late=("luoning",)),
    routine("uni", RETREAT, D(2026, 8, 25),
            "校党委理论学习中心组暑期读书班", "暑期读书班",
            "三天的读书班，集中研读原著、交流研讨，使我对党的创新理论有了更系统的把握，"
            "也更加清醒地认识到学校发展面临的机遇与挑战。",
            ("third-plenum", "education-outline", "style-excerpts"),
            ("chenxiaobin", "kouxinjian", "guanyanyan", "member", "luoning", "xuweidong"),
            hours=6),
    routine("uni", SEMINAR, D(2026, 10, 15),
            "学习贯彻党的二十届三中全会精神 深化学校综合改革专题研讨", "深化学校综合改革",
            "深化学校综合改革，要聚焦人事制度、评价体系和内部治理等关键环节，以改革激发"
            "办学活力，为职业本科高质量发展提供制度保障。",
            ("third-plenum",), ("chenxiaobin", "kouxinjian", "member"), hours=2.5,
            tasks=(TaskSpec("形成学校深化综合改革任务清单", None, D(2026, 11, 15),
                            TaskStatus.DONE, assignee="kouxinjian",
                            completion_note="任务清单共列改革事项24项，已报校党委会。",
                            done_on=D(2026, 11, 12)),),
            leaves=(leave("guanyanyan", "带队赴外省考察思政工作", None),)),
    routine("uni", COLLECTIVE, D(2026, 10, 29),
            "学习贯彻《关于深化现代职业教育体系建设改革的意见》 推进市域产教联合体建设",
            "市域产教联合体建设",
            "市域产教联合体是深化产教融合的重要抓手。学校要联合园区和龙头企业，共建共享"
            "实训基地和技术平台，让人才供给与产业需求精准对接。",
            ("vocational-reform",), ("luoning", "kouxinjian"), late=("member",)),
    # 智能制造学院: attendance 85 % (its own target), reflections and tasks on track
    routine("zz", COLLECTIVE, D(2026, 1, 22),
            "学习贯彻党的二十届四中全会精神 谋划学院2026年工作", "学院2026年工作",
            "学院要把全会精神落实到专业群建设和人才培养中，紧盯上海先进制造业需求，推动"
            "专业、课程和实训条件的整体升级。",
            ("fourth-plenum",), ("qianweiguo", "sunyaqin"),
            tasks=(TaskSpec("制定学院2026年理论学习和重点工作安排", None, D(2026, 2, 28),
                            TaskStatus.DONE, assignee="sunyaqin",
                            completion_note="学习安排和重点工作清单已印发。",
                            done_on=D(2026, 2, 20)),)),
    routine("zz", COLLECTIVE, D(2026, 6, 25),
            "学习贯彻习近平总书记关于职业教育的重要指示精神 推进产教融合",
            "推进产教融合",
            "产教融合是职业教育的生命线。学院要与合作企业共建产业学院，把企业真实项目引入"
            "课堂，让学生在真实生产环境中学技能、长本领。",
            ("vocational-instruction",), ("zhouxiaofeng", "sunyaqin"),
            leaves=(leave("qianweiguo", "赴合作企业洽谈产业学院共建", D(2026, 6, 30)),),
            tasks=(TaskSpec("与合作企业签订产业学院共建协议", None, D(2026, 9, 30),
                            TaskStatus.DONE, assignee="qianweiguo",
                            completion_note="共建协议已于9月签订，首批订单班已开班。",
                            done_on=D(2026, 9, 18)),)),
    routine("zz", LECTURE, D(2026, 9, 17),
            "智能制造产业发展趋势与专业建设专题辅导", "智能制造产业发展趋势",
            "辅导报告让我们看清了智能制造产业的发展方向。专业建设必须跟上产业变化，及时"
            "更新课程内容和实训装备。",
            (), ("qianweiguo",),
            guest=("智能制造产业发展趋势与人才需求", "刘建军（上海电气集团首席工程师）",
                   "介绍工业机器人、数字孪生等技术在制造企业的应用，分析企业对高层次技术技能"
                   "人才的需求。"),
            leaves=(leave("zhouxiaofeng", "带队参加全国职业院校技能大赛", D(2026, 9, 25)),)),
    routine("zz", SEMINAR, D(2026, 11, 5),
            "深入贯彻中央八项规定精神 加强学院作风建设专题研讨", "加强学院作风建设",
            "作风建设关系学院风气。班子成员要在实训耗材采购、技能大赛经费使用等环节严守"
            "规矩，带头为师生办实事。",
            ("eight-rules",), ("qianweiguo", "sunyaqin", "zhouxiaofeng")),
    # 商学院: tasks overdue, reflections missing, few talks
    routine("sx", COLLECTIVE, D(2026, 3, 26),
            "学习贯彻党的二十届四中全会精神 谋划学院“十五五”发展", "学院“十五五”发展",
            "谋划学院“十五五”发展，要把数字商科作为主攻方向，推动专业结构和人才培养模式"
            "的系统性变革。",
            ("fourth-plenum", "fifteenth-plan"), ("wangjianhua",),
            tasks=(TaskSpec("形成学院“十五五”发展规划思路", None, D(2026, 5, 31),
                            TaskStatus.DONE, assignee="wangjianhua",
                            completion_note="规划思路已提交学院党政联席会讨论。",
                            done_on=D(2026, 5, 29)),)),
    routine("sx", COLLECTIVE, D(2026, 9, 24),
            "学习贯彻《教育强国建设规划纲要》 推进数字商科专业群建设", "数字商科专业群建设",
            "数字商科专业群建设是学院转型发展的关键。要推进课程体系重构，把数据分析、"
            "数字营销等能力贯穿人才培养全过程。",
            ("education-outline",), ("fengli",), missing=("wangjianhua", "chenlijun"),
            tasks=(
                TaskSpec("修订数字商科专业群人才培养方案", None, D(2026, 10, 31),
                         TaskStatus.OPEN, assignee="wangjianhua"),
                TaskSpec("建成跨境电商校企合作实训基地", None, D(2026, 11, 15),
                         TaskStatus.IN_PROGRESS, assignee="chenlijun"),
            )),
    # 健康与护理学院: attendance and reflections behind
    routine("hl", COLLECTIVE, D(2026, 5, 14),
            "学习贯彻《教育强国建设规划纲要》 深化医教协同育人", "深化医教协同育人",
            "医教协同是健康服务人才培养的必由之路。学院要与附属医院、社区卫生服务中心共建"
            "实践教学基地，让学生在真实岗位中成长。",
            ("education-outline",), ("huangzhiming",),
            leaves=(leave("maxiaoli", "带学生赴医院开展临床实习", D(2026, 5, 20)),),
            missing=("maxiaoli",), late=("huangzhiming",)),
    routine("hl", COLLECTIVE, D(2026, 9, 10),
            "深入贯彻中央八项规定精神 锤炼学院班子过硬作风", "锤炼学院班子过硬作风",
            "学院班子要带头严守中央八项规定精神，在实习安排、耗材采购等环节立规矩、守底线，"
            "以好作风带出好院风。",
            ("eight-rules",), ("maxiaoli",), missing=("maxiaoli",)),
)


# --- annual study plans --------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSpec:
    """A plan item: its month, or only a quarter; the session fulfilling it by its topic."""

    group: str
    year: int
    topic: str
    kind: SessionKind
    responsible: str
    month: int | None = None
    quarter: int | None = None
    materials: str | None = None
    session: str | None = None  # the topic of the session that fulfils it


# Sessions whose plan item names only the quarter (the group left the month open).
BY_QUARTER = frozenset({
    "谋划学院“十五五”专业群建设专题研讨",
    "智能制造产业发展趋势与专业建设专题辅导",
    "校党委理论学习中心组暑期读书班",
    "学习贯彻党的二十届三中全会精神 推进数字商科人才培养改革专题辅导",
})
# Who prepares an item, where not the group's leader (usually the secretary, or the member
# who gives the keynote).
RESPONSIBLE = {
    "谋划“十五五”学校事业发展 推进职业本科内涵建设专题研讨": "chenxiaobin",
    "学习贯彻《中国共产党党委（党组）理论学习中心组学习规则》 部署年度理论学习": "secretary",
    "深入贯彻中央八项规定精神 推进作风建设常态化长效化专题研讨": "xuweidong",
    "深入贯彻中央八项规定精神学习教育专题研讨": "xuweidong",
    "学习贯彻全国教育大会精神 推进“三全育人”综合改革专题研讨": "guanyanyan",
    "校党委理论学习中心组暑期读书班": "secretary",
    "学习贯彻《关于深化现代职业教育体系建设改革的意见》 推进市域产教联合体建设": "luoning",
    "智能制造产业发展趋势与专业建设专题辅导": "wujiayi",
    "谋划学院“十五五”专业群建设专题研讨": "qianweiguo",
    "学习贯彻《教育强国建设规划纲要》 推进数字商科专业群建设": "wangjianhua",
    "学习贯彻《教育强国建设规划纲要》 深化医教协同育人": "huangzhiming",
}

# Items not (yet) held in fixed months: overdue once their month or quarter is over.
UNHELD: tuple[ItemSpec, ...] = (
    ItemSpec("uni", 2025, "学习《习近平谈治国理政》第五卷", COLLECTIVE, "secretary", month=9),
    ItemSpec("uni", 2025, "专题研讨：推进全面从严治党向纵深发展", SEMINAR, "xuweidong",
             quarter=4),
    ItemSpec("zz", 2025, "专题研讨：推进“岗课赛证”融通", SEMINAR, "zhouxiaofeng", month=10),
    ItemSpec("sx", 2025, "学习贯彻中央八项规定精神", COLLECTIVE, "fengli", month=5),
    ItemSpec("uni", 2026, "意识形态工作责任制专题学习", COLLECTIVE, "guanyanyan", quarter=3,
             materials="关于意识形态工作责任制的有关文件"),
    ItemSpec("zz", 2026, "学习《中国共产党党委（党组）理论学习中心组学习规则》", COLLECTIVE,
             "wujiayi", month=3, materials="中国共产党党委（党组）理论学习中心组学习规则"),
    ItemSpec("zz", 2026, "专题研讨：以技能大赛引领“岗课赛证”融通", SEMINAR, "zhouxiaofeng",
             quarter=3),
    ItemSpec("sx", 2026, "专题研讨：数字经济与商科专业转型", SEMINAR, "wangjianhua", month=4),
    ItemSpec("sx", 2026, "学习贯彻习近平总书记关于职业教育的重要指示精神", COLLECTIVE, "fengli",
             month=7, materials="习近平对职业教育工作作出重要指示"),
    ItemSpec("sx", 2026, "专题辅导：跨境电商发展与人才需求", LECTURE, "chenlijun", month=10),
    ItemSpec("hl", 2026, "专题辅导：健康中国战略与护理人才培养", LECTURE, "huangzhiming",
             month=7),
    ItemSpec("hl", 2026, "专题研讨：积极应对人口老龄化 推进养老服务人才培养", SEMINAR,
             "maxiaoli", month=10),
)


def unheld_later(today: date) -> tuple[ItemSpec, ...]:
    """Items still due after the seeding date: next month, and this quarter (by quarter)."""
    later = today + timedelta(days=30)
    quarter = (today.month - 1) // 3 + 1
    return (
        ItemSpec("uni", later.year, "学习贯彻中央经济工作会议精神", COLLECTIVE, "chenxiaobin",
                 month=later.month),
        ItemSpec("zz", later.year, "学院班子年度专题组织生活会会前学习", COLLECTIVE,
                 "zhaozhigang", month=later.month),
        ItemSpec("sx", today.year, "专题研讨：深化产教融合 推进数字商科专业群建设", SEMINAR,
                 "zhenghongmei", quarter=quarter),
    )


def items_for(sessions: tuple[SessionSpec, ...], today: date) -> list[ItemSpec]:
    """An item for every session from 2025 on (held or being planned), then the others."""
    items = [
        ItemSpec(
            spec.group, spec.day.year, spec.topic, spec.kind,
            RESPONSIBLE.get(spec.topic, CHAIRS[spec.group]),
            month=None if spec.topic in BY_QUARTER else spec.day.month,
            quarter=(spec.day.month - 1) // 3 + 1 if spec.topic in BY_QUARTER else None,
            session=spec.topic,
        )
        for spec in sessions if spec.day.year >= 2025
    ]
    return [*items, *UNHELD, *unheld_later(today)]


def _stamp(year: int) -> datetime:
    """When a year's plan was drawn up: early January, 10:00 in Shanghai."""
    return datetime.combine(date(year, 1, 8), time(10), tzinfo=SHANGHAI)


def build_plans(
    items: list[ItemSpec], registry: Registry, clock: Clock
) -> dict[tuple[str, str], PlanItem]:
    """Each group's plans through the services, by its study secretary; the items by session
    (group key, topic) for the sessions to link to."""
    plans: dict[tuple[str, int], StudyPlan] = {}
    linked: dict[tuple[str, str], PlanItem] = {}
    ordered = sorted(items, key=lambda i: (i.group, i.year, i.month or 3 * (i.quarter or 4)))
    for position, spec in enumerate(ordered):
        secretary = registry.secretary_of(spec.group)
        plan = plans.get((spec.group, spec.year))
        if plan is None:
            group = next(g for g in GROUPS if g.key == spec.group)
            plan = plan_services.create_plan(
                registry.groups[spec.group], spec.year,
                title=f"{group.name}{spec.year}年度学习计划",
                note="按月安排集体学习，每季度至少开展一次专题研讨；部分专题视上级部署确定"
                "具体月份。",
                actor=secretary,
            )
            plans[(spec.group, spec.year)] = plan
            when = _stamp(spec.year)
            plan.created_at = when
            clock.events[("StudyPlan", plan.id, "plan.create")] = when
        item = plan_services.add_item(
            plan,
            ItemData(
                topic=spec.topic, month=spec.month, quarter=spec.quarter, kind=spec.kind,
                planned_materials=spec.materials,
                responsible_id=registry.users[spec.responsible].id, position=position,
            ),
            expected_version=plan.version, actor=secretary,
        )
        item.created_at = item.updated_at = _stamp(spec.year)
        clock.events[("PlanItem", item.id, "plan.item_add")] = _stamp(spec.year)
        if spec.session is not None:
            linked[(spec.group, spec.session)] = item
    for (_, year), plan in plans.items():
        plan.updated_at = _stamp(year)
    return linked


# --- targets -------------------------------------------------------------------------------

ROOT_TARGETS = {
    TargetMetric.SESSIONS_PER_YEAR: Decimal(12),
    TargetMetric.SEMINARS_PER_YEAR: Decimal(4),
    TargetMetric.ATTENDANCE_RATE: Decimal("0.9"),
    TargetMetric.REFLECTION_COMPLETION_RATE: Decimal("0.95"),
    TargetMetric.REFLECTION_ON_TIME_RATE: Decimal("0.9"),
    TargetMetric.TASK_COMPLETION_RATE: Decimal("0.9"),
    TargetMetric.TALKS_PER_MEMBER: Decimal(2),
}
# 智能制造学院: members often lead students at competitions and in companies.
COLLEGE_TARGETS = ("zz", {TargetMetric.ATTENDANCE_RATE: Decimal("0.85")})


def build_targets(registry: Registry, clock: Clock) -> None:
    """Set by the university's organisation department (the demo leader), then one college."""
    plan_services.set_targets(registry.orgs["root"], ROOT_TARGETS, registry.users["leader"])
    clock.events[("Organization", registry.orgs["root"].id, "target.update")] = _stamp(2025)
    org_key, values = COLLEGE_TARGETS
    plan_services.set_targets(registry.orgs[org_key], values, registry.users["zhaozhigang"])
    clock.events[("Organization", registry.orgs[org_key].id, "target.update")] = (
        _stamp(2025) + timedelta(days=30)
    )
    db.session.flush()
